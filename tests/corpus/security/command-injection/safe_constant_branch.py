# expect: none
import os

from flask import Flask, request

app = Flask(__name__)


@app.route("/b")
def b():
    param = request.args.get("p")
    if 7 * 18 + 3 > 200:
        cmd = "ls " + param
    else:
        cmd = "ls /tmp"
    os.system(cmd)
    return "ok"
