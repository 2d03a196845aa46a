# expect: xss@10
from flask import Flask, request

app = Flask(__name__)


@app.route("/search")
def search():
    q = request.args.get("q", "")
    return "<p>No results for %s</p>" % q
