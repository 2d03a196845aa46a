# expect: open-redirect@10
from flask import Flask, redirect, request

app = Flask(__name__)


@app.route("/r")
def r():
    path = request.args["path"]
    return redirect("/" + path)
