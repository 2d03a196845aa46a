# expect: none
from flask import Flask, request

app = Flask(__name__)


@app.route("/c")
def c():
    request.args.get("x")
    formula = "1 + 2"
    return str(eval(formula))
