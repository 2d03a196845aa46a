# expect: open-redirect@10
from flask import Flask, redirect, request

app = Flask(__name__)


@app.route("/resume")
def resume():
    last = request.cookies.get("last_page")
    return redirect(last or "/")
