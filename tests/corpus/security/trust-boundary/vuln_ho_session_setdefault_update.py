# expect: trust-boundary@10
from flask import Flask, request, session

app = Flask(__name__)


@app.route("/profile", methods=["POST"])
def profile():
    nickname = request.form["nickname"].strip()
    session["nickname"] = nickname[:32]
    return "ok"
