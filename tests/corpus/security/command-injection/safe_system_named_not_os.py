# expect: none
from flask import Flask, request

app = Flask(__name__)


class Platform:
    def system(self, name):
        return f"platform {name}"


@app.route("/p")
def p():
    return Platform().system(request.args["name"]).upper()
