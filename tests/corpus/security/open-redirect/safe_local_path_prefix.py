# expect: none
from flask import Flask, redirect, request

app = Flask(__name__)


@app.route("/p")
def p():
    return redirect("/profile/" + request.args["user"])
