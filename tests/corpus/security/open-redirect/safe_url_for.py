# expect: none
from flask import Flask, redirect, request, url_for

app = Flask(__name__)


@app.route("/login")
def login():
    request.args.get("next")
    return redirect(url_for("index"))
