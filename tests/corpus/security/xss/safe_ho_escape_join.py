# expect: none
import html

from flask import Flask, request

app = Flask(__name__)


@app.route("/tags")
def tags():
    items = [html.escape(t) for t in request.args.getlist("t")]
    return "<ul>" + "".join("<li>" + i + "</li>" for i in items) + "</ul>"
