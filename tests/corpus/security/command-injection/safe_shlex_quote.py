# expect: none
import os
import shlex

from flask import Flask, request

app = Flask(__name__)


@app.route("/grep")
def grep():
    pattern = shlex.quote(request.args["pattern"])
    os.system("grep -r " + pattern + " /srv/logs")
    return "ok"
