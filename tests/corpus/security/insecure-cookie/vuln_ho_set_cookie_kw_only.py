# expect: insecure-cookie@10
from flask import Flask, make_response

app = Flask(__name__)


@app.route("/t")
def t():
    resp = make_response("ok")
    resp.set_cookie(key="token", value="v", httponly=True)
    return resp
