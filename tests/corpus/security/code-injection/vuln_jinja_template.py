# expect: code-injection@11
from flask import Flask, request
from jinja2 import Template

app = Flask(__name__)


@app.route("/greet")
def greet():
    tpl = request.args.get("tpl", "Hello")
    return Template(tpl).render()
