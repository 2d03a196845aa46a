# expect: code-injection@10
from flask import Flask, request

app = Flask(__name__)


@app.route("/t")
def t():
    label, formula = "x", request.args["f"]
    return str(eval(formula))
