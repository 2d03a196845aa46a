# expect: none
from flask import Flask, request, session

app = Flask(__name__)


@app.route("/page")
def page():
    session["page"] = int(request.args.get("page", "1"))
    return "ok"
