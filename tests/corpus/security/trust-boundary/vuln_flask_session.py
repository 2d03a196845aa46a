# expect: trust-boundary@10
from flask import Flask, request, session

app = Flask(__name__)
app.secret_key = "dev"


@app.route("/role")
def role():
    session["role"] = request.args["role"]
    return "ok"
