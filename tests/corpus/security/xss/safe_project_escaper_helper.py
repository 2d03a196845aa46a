# expect: none
from flask import Flask, request

app = Flask(__name__)


def escape_for_html(text):
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


@app.route("/hi")
def hi():
    return "<p>" + escape_for_html(request.args.get("name", "")) + "</p>"
