# expect: open-redirect@10
from flask import Flask, redirect, request

app = Flask(__name__)


@app.route("/login")
def login():
    nxt = request.args.get("next", "/")
    return redirect(nxt)
