# expect: path-traversal@14
import os

from flask import Flask, request

app = Flask(__name__)
BASE = "/srv/files"


@app.route("/read")
def read():
    name = request.args["name"]
    path = os.path.join(BASE, name)
    with open(path) as handle:
        return handle.read()
