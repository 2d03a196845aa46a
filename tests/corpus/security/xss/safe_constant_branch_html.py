# expect: none
from flask import Flask, request

app = Flask(__name__)


@app.route("/k")
def k():
    param = request.args.get("p")
    bar = "<b>static</b>"
    if 10 - 5 > 9:
        bar = param
    return bar
