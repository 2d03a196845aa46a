# expect: none
from flask import Flask, request

app = Flask(__name__)


@app.route("/e")
def e():
    param = request.args.get("p")
    num = 196
    if (500 / 42) + num > 200:
        code = "print('static')"
    else:
        code = param
    exec(code)
    return "ok"
