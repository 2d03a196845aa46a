# expect: none
from flask import Flask, request

app = Flask(__name__)
ALLOWED = ("terms.txt", "privacy.txt")


@app.route("/doc")
def doc():
    name = request.args.get("name")
    if name in ALLOWED:
        with open("/srv/docs/" + name) as fh:
            return fh.read()
    return "not found", 404
