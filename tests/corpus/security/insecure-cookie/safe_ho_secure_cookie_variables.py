# expect: none
from flask import Flask, make_response

app = Flask(__name__)
SECURE = True


@app.route("/t")
def t():
    resp = make_response("ok")
    resp.set_cookie("token", "v", secure=SECURE, httponly=SECURE)
    return resp
