# expect: code-injection@11
from flask import Flask, request

app = Flask(__name__)


@app.route("/hook", methods=["POST"])
def hook():
    code = request.form["code"]
    scope = {}
    exec(code, scope)
    return "ran"
