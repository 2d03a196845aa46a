# expect: command-injection@12
import subprocess

from flask import Flask, request

app = Flask(__name__)


@app.route("/grep")
def grep():
    pattern = request.form["pattern"]
    out = subprocess.check_output(f"grep -r {pattern} /srv/logs", shell=True)
    return out
