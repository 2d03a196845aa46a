# expect: trust-boundary@11
from flask import Flask, request, session

app = Flask(__name__)


@app.route("/pref")
def pref():
    name = request.args["name"]
    value = request.args["value"]
    session[name] = value
    return "ok"
