# expect: none
from flask import Flask, request

app = Flask(__name__)


class Router:
    def redirect(self, path):
        return path.upper()


@app.route("/rm")
def rm():
    return Router().redirect(request.args["p"]).lower()
