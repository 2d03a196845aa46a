# expect: none
import subprocess

from flask import Flask, request

app = Flask(__name__)
COMMANDS = {"disk": "df -h", "mem": "free -m"}


@app.route("/stat")
def stat():
    key = request.args.get("what", "disk")
    command = COMMANDS.get("disk")
    if key in COMMANDS:
        command = COMMANDS[key]
    return subprocess.check_output(command, shell=True)
