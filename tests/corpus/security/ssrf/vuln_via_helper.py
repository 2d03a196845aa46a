# expect: ssrf@9
import requests
from flask import Flask, request

app = Flask(__name__)


def download(address):
    return requests.get(address, timeout=3).content


@app.route("/dl")
def dl():
    return download(request.args["address"])
