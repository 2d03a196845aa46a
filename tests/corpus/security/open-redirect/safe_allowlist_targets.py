# expect: none
from flask import Flask, redirect, request

app = Flask(__name__)
TARGETS = {"home": "/", "docs": "/docs"}


@app.route("/go")
def go():
    key = request.args.get("to", "home")
    if key not in TARGETS:
        key = "home"
    return redirect(TARGETS[key])
