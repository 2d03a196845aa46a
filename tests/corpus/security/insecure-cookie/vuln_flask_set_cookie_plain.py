# expect: insecure-cookie@10
from flask import Flask, make_response

app = Flask(__name__)


@app.route("/login")
def login():
    resp = make_response("ok")
    resp.set_cookie("session_token", "abc")
    return resp
