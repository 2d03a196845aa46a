# expect: none
from flask import Flask, request

app = Flask(__name__)


class Door:
    def open(self, who):
        return f"opened for {who}"


@app.route("/door")
def door():
    return Door().open(request.args["who"]).title()
