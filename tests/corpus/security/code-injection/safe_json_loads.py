# expect: none
import json

from flask import Flask, request

app = Flask(__name__)


@app.route("/j", methods=["POST"])
def j():
    payload = json.loads(request.data)
    return str(payload.get("n"))
