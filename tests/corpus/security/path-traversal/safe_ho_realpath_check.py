# expect: none
import os

from flask import Flask, abort, request

app = Flask(__name__)
ROOT = "/srv/files"
NAMES = frozenset(os.listdir(ROOT))


@app.route("/f")
def f():
    name = request.args["name"]
    if name not in NAMES:
        abort(404)
    with open(os.path.join(ROOT, name)) as fh:
        return {"data": fh.read()}
