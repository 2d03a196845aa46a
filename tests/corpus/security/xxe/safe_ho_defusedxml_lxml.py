# expect: none
from defusedxml.lxml import fromstring
from flask import Flask, request

app = Flask(__name__)


@app.route("/x", methods=["POST"])
def x():
    return {"root": fromstring(request.data).tag}
