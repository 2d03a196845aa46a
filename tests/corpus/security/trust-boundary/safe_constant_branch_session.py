# expect: none
from flask import Flask, request, session

app = Flask(__name__)


@app.route("/cb")
def cb():
    value = request.args["v"]
    stored = "anonymous"
    if 100 // 7 > 20:
        stored = value
    session["name"] = stored
    return "ok"
