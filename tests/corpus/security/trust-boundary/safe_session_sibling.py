# expect: none
from flask import Flask, request, session

app = Flask(__name__)


@app.route("/sib")
def sib():
    pair = ("fixed", request.args["x"])
    session["mode"] = pair[0]
    return "ok"
