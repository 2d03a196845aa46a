# expect: none
from flask import Flask, request

app = Flask(__name__)


class Codec:
    def loads(self, text):
        return text.split(",")


@app.route("/csv")
def csv_view():
    return str(Codec().loads(request.args["row"]))
