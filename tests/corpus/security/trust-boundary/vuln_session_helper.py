# expect: trust-boundary@8
from flask import Flask, request, session

app = Flask(__name__)


def remember(user):
    session["user"] = user


@app.route("/r")
def r():
    remember(request.cookies.get("user"))
    return "ok"
