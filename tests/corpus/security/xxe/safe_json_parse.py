# expect: none
import json

from flask import Flask, request

app = Flask(__name__)


@app.route("/j", methods=["POST"])
def j():
    return {"tag": json.loads(request.data)["tag"]}
