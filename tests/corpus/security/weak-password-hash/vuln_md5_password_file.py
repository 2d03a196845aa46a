# expect: weak-password-hash@11, weak-password-hash@12
import hashlib
import os

from flask import Flask, request

app = Flask(__name__)


def store(value):
    md = hashlib.md5()
    md.update(value.encode())
    with open(os.path.join("/srv/data", "passwordFile.txt"), "a") as fw:
        fw.write("hash_value=" + md.hexdigest() + "\n")


@app.route("/h", methods=["POST"])
def h():
    store(request.form.get("v", ""))
    return "stored"
