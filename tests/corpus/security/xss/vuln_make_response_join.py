# expect: xss@11
from flask import Flask, make_response, request

app = Flask(__name__)


@app.route("/list")
def listing():
    items = request.args.getlist("item")
    html = "<ul>" + "".join(f"<li>{i}</li>" for i in items) + "</ul>"
    return make_response(html)
