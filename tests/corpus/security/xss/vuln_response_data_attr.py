# expect: xss@14
from flask import Flask, Response, request

app = Flask(__name__)


@app.route("/d", methods=["POST"])
def d():
    response = Response()
    response.headers["Content-Type"] = "text/html;charset=UTF-8"
    values = request.form.getlist("v")
    param = values[0] if values else ""
    bar = param.split(" ")[0]
    response.data = bar
    return response
