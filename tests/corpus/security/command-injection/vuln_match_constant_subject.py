# expect: command-injection@21
import os

from flask import Flask, request

app = Flask(__name__)


@app.route("/sw2")
def sw2():
    param = request.args.get("p", "")
    possible = "ABC"
    guess = possible[0]
    match guess:
        case "A":
            bar = param
        case "B":
            bar = "bob"
        case _:
            bar = "x"
    os.system("echo " + bar)
    return "ok"
