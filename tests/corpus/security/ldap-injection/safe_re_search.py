# expect: none
import re

from flask import Flask, request

app = Flask(__name__)


@app.route("/r")
def r():
    return str(bool(re.search(r"^\d+$", request.args["v"])))
