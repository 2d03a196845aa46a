# expect: none
from flask import Flask, redirect, request

app = Flask(__name__)


@app.route("/sso")
def sso():
    return redirect(f"https://sso.example.com/login?state={request.args['state']}")
