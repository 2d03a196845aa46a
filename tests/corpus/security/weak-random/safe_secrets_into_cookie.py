# expect: none
import random
import secrets

from flask import Flask, make_response

app = Flask(__name__)


@app.route("/remember2")
def remember2():
    value = secrets.token_hex(16)
    delay = random.random()
    resp = make_response("ok")
    resp.set_cookie("rememberMe", value, secure=True, httponly=True, max_age=int(3600 + delay))
    return resp
