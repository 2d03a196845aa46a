# expect: none
import requests
from flask import Flask, request

app = Flask(__name__)


@app.route("/cc")
def cc():
    param = request.args.get("u")
    url = param if 3 * 3 == 10 else "https://example.com/ping"
    return requests.get(url, timeout=2).text
