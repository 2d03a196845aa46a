# expect: none
import html

from flask import Flask, make_response, request

app = Flask(__name__)


@app.route("/de")
def de():
    response = make_response()
    response.data = "Hello " + html.escape(request.args.get("name", ""))
    response.data += "<br/>done"
    return response
