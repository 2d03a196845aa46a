# expect: weak-password-hash@12
import hashlib

from flask import Flask, request

app = Flask(__name__)


@app.route("/store", methods=["POST"])
def store():
    secret = request.form["secret"]
    digest = hashlib.md5(secret.encode()).hexdigest()
    with open("/srv/digests.txt", "a") as fh:
        fh.write(digest + "\n")
    return "stored"
