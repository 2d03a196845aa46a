# expect: none
import os

from flask import Flask, request

app = Flask(__name__)


@app.route("/sw")
def sw():
    param = request.args.get("p", "")
    possible = "ABC"
    guess = possible[1]
    match guess:
        case "A":
            bar = param
        case "B":
            bar = "bob"
        case _:
            bar = param
    os.system("echo " + bar)
    return "ok"
