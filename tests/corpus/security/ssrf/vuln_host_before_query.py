# expect: ssrf@12
import requests
from flask import Flask, request

app = Flask(__name__)


@app.route("/status")
def status():
    host = request.args["host"]
    token = request.args.get("t", "")
    return requests.get("https://" + host + "/status?token=" + token, timeout=3).text
