# expect: none
import requests
from flask import Flask, abort, request

app = Flask(__name__)
HOSTS = {"https://status.example.com", "https://health.example.com"}


@app.route("/check")
def check():
    url = request.args["url"]
    if url not in HOSTS:
        abort(403)
    return requests.get(url, timeout=5).text
