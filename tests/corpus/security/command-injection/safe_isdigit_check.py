# expect: none
import os

from flask import Flask, abort, request

app = Flask(__name__)


@app.route("/kill")
def kill():
    pid = request.args.get("pid", "")
    if not pid.isdigit():
        abort(400)
    os.system("kill -HUP " + pid)
    return "ok"
