# expect: none
from flask import Flask, request, session

app = Flask(__name__)


@app.route("/consent")
def consent():
    session["consent"] = request.args.get("c") == "yes"
    return "ok"
