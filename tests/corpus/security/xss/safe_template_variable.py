# expect: none
from flask import Flask, render_template_string, request

app = Flask(__name__)


@app.route("/page")
def page():
    return render_template_string("<title>{{ title }}</title>", title=request.args["title"])
