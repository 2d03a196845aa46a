# expect: none
from flask import Flask, abort, request, session

app = Flask(__name__)
THEMES = ("dark", "light")


@app.route("/theme")
def theme():
    choice = request.args["theme"]
    if choice not in THEMES:
        abort(400)
    session["theme"] = choice
    return "ok"
