# expect: none
import requests
from flask import Flask, request

app = Flask(__name__)


@app.route("/rates")
def rates():
    currency = request.args.get("c")
    return requests.get("https://rates.example.com/latest", params={"c": currency}, timeout=5).text
