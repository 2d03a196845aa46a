# expect: ssrf@10
import requests
from flask import Flask, request

app = Flask(__name__)


@app.route("/any")
def any_method():
    return requests.request("GET", request.args["u"]).text
