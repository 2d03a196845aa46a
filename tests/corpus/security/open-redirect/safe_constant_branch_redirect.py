# expect: none
from flask import Flask, redirect, request

app = Flask(__name__)


@app.route("/c")
def c():
    nxt = request.args["next"]
    where = nxt if "a" * 3 == "aaaa" else "/dashboard"
    return redirect(where)
