# expect: weak-random@12
import random

from flask import Flask, session

app = Flask(__name__)


@app.route("/start")
def start():
    n = random.randint(0, 2**31)
    session["uid"] = "user" + str(n)
    return "ok"
