# expect: none
import os

from flask import Flask, request

app = Flask(__name__)


@app.route("/cfg")
def cfg():
    request.args.get("ignored")
    with open(os.path.join("/etc/app", "config.ini")) as fh:
        return fh.read()
