# expect: none
from flask import Flask, request, session

app = Flask(__name__)


@app.route("/visit")
def visit():
    request.args.get("ignored")
    session["visited"] = True
    return "ok"
