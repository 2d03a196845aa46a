# expect: trust-boundary@10
from flask import Flask, request, session

app = Flask(__name__)


@app.route("/cart", methods=["POST"])
def cart():
    payload = request.get_json()
    session["cart"] = payload["items"]
    return "ok"
