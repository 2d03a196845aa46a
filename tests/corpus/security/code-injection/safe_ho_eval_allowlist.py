# expect: none
from flask import Flask, abort, request

app = Flask(__name__)
ALLOWED = {"1+1", "2*3"}


@app.route("/calc")
def calc():
    expr = request.args["e"]
    if expr not in ALLOWED:
        abort(400)
    return {"v": eval(expr)}
