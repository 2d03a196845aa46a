# expect: none
from flask import Flask, request, session

app = Flask(__name__)


@app.route("/who")
def who():
    return str(session.get("user") == request.args.get("user"))
