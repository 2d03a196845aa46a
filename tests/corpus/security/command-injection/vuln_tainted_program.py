# expect: command-injection@12
import subprocess

from flask import Flask, request

app = Flask(__name__)


@app.route("/run")
def run_tool():
    tool = request.args["tool"]
    result = subprocess.run([tool, "--version"], capture_output=True)
    return result.stdout
