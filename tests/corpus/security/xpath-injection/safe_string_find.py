# expect: none
from flask import Flask, request

app = Flask(__name__)


@app.route("/pos")
def pos():
    text = "the quick brown fox"
    needle = request.args.get("q", "")
    where = text.find(needle)
    return {"at": where, "again": needle.find("x")}
