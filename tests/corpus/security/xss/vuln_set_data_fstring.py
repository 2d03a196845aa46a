# expect: xss@11
from flask import Flask, request

app = Flask(__name__)


@app.route("/sd")
def sd():
    response = app.response_class(content_type="text/html;charset=UTF-8")
    bar = request.args.get("q", "")
    response.set_data(f"Formatted like: {bar}.")
    return response
