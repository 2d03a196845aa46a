# expect: none
from flask import Flask, redirect, request

app = Flask(__name__)


@app.route("/e")
def e():
    target = request.args["t"]
    if target == "/settings":
        return redirect(target)
    return redirect("/")
