# expect: none
import requests
from flask import Flask, request

app = Flask(__name__)


@app.route("/repo")
def repo():
    name = request.args["name"]
    url = "https://pypi.org/pypi/{}/json".format(name)
    return requests.get(url, timeout=5).text
