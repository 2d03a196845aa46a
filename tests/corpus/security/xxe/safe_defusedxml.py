# expect: none
from defusedxml import ElementTree as DefusedET
from flask import Flask, request

app = Flask(__name__)


@app.route("/upload", methods=["POST"])
def upload():
    return {"tag": DefusedET.fromstring(request.data).tag}
