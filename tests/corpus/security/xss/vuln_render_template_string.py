# expect: xss@10
from flask import Flask, render_template_string, request

app = Flask(__name__)


@app.route("/page")
def page():
    title = request.args["title"]
    return render_template_string("<title>" + title + "</title>")
