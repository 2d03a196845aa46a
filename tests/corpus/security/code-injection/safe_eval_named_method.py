# expect: none
from flask import Flask, request

app = Flask(__name__)


class Model:
    def eval(self, data):
        return len(data)


@app.route("/m")
def m():
    return str(Model().eval(request.args["data"]))
