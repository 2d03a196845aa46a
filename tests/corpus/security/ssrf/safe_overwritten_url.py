# expect: none
import urllib.request

from flask import Flask, request

app = Flask(__name__)


@app.route("/o")
def o():
    url = request.args["url"]
    url = "https://example.com/health"
    return urllib.request.urlopen(url).read()
