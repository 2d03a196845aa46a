# expect: none
import os

from flask import Flask, request

app = Flask(__name__)


@app.route("/read")
def read():
    name = os.path.basename(request.args["name"])
    with open(os.path.join("/srv/files", name)) as handle:
        return handle.read()
