# expect: none
from flask import Flask, request

app = Flask(__name__)


@app.route("/read")
def read():
    return request.cookies.get("theme", "light")
