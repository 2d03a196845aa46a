# expect: none
from flask import Flask, request

app = Flask(__name__)
CACHE = {"a": 1}


@app.route("/c")
def c():
    return str(CACHE.get(request.args["k"]))
