# expect: none
from flask import Flask, request

app = Flask(__name__)


@app.route("/d")
def d():
    session_data = {}
    session_data["q"] = request.args["q"]
    return str(len(session_data))
