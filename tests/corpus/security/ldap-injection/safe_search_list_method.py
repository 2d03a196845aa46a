# expect: none
from flask import Flask, request

app = Flask(__name__)


class Index:
    def search_s(self, text):
        return [text]


@app.route("/s")
def s():
    return str(Index().search_s(request.args["q"]))
