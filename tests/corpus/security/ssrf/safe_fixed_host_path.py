# expect: none
import requests
from flask import Flask, request

app = Flask(__name__)


@app.route("/user")
def user():
    login = request.args["login"]
    return requests.get(f"https://api.github.com/users/{login}", timeout=5).text
