# expect: none
from flask import Flask, request

app = Flask(__name__)
OPS = {"add": lambda a, b: a + b, "sub": lambda a, b: a - b}


@app.route("/op")
def op():
    name = request.args["op"]
    return str(OPS[name](1, 2))
