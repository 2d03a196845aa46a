# expect: none
import html

from flask import Flask, request

app = Flask(__name__)


@app.route("/hello")
def hello():
    name = html.escape(request.args.get("name", ""))
    return f"<h1>Hello {name}</h1>"
