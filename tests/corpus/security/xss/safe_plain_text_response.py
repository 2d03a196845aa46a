# expect: none
from flask import Flask, Response, request

app = Flask(__name__)


@app.route("/raw")
def raw():
    return Response(request.args["data"], mimetype="text/plain")
