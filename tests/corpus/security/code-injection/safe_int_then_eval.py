# expect: none
from flask import Flask, request

app = Flask(__name__)


@app.route("/sq")
def sq():
    n = float(request.args["n"])
    return str(eval(f"{n} ** 2"))
