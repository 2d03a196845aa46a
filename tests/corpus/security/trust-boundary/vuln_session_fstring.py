# expect: trust-boundary@9
from flask import Flask, request, session

app = Flask(__name__)


@app.route("/greet")
def greet():
    session["greeting"] = f"Hello {request.args['who']}"
    return "ok"
