# expect: ssrf@12
from urllib.request import urlopen

from flask import Flask, request

app = Flask(__name__)


@app.route("/preview")
def preview():
    target = request.args.get("target")
    return urlopen(target).read()
