# expect: none
import subprocess

from flask import Flask, request

app = Flask(__name__)


@app.route("/ls")
def ls():
    folder = request.args.get("folder", ".")
    argv = ["ls", "-la", "--", folder]
    return subprocess.run(argv, capture_output=True, text=True).stdout
