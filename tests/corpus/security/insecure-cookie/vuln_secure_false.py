# expect: insecure-cookie@10
from flask import Flask, make_response

app = Flask(__name__)


@app.route("/remember")
def remember():
    resp = make_response("ok")
    resp.set_cookie("remember", "1", secure=False, httponly=True)
    return resp
