# expect: none
from flask import Flask, request

app = Flask(__name__)


@app.route("/x")
def x():
    paths = {"log": "/var/log/app.log", "user": request.args.get("p")}
    with open(paths["log"]) as fh:
        return fh.read()
