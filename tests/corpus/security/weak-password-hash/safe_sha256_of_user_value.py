# expect: none
import hashlib

from flask import Flask, request

app = Flask(__name__)


@app.route("/store2", methods=["POST"])
def store2():
    value = request.form["value"]
    digest = hashlib.sha256(value.encode()).hexdigest()
    with open("/srv/digests.txt", "a") as fh:
        fh.write(digest + "\n")
    return "stored"
