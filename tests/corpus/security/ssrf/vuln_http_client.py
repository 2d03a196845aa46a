# expect: ssrf@11
import http.client

from flask import Flask, request

app = Flask(__name__)


@app.route("/h")
def h():
    conn = http.client.HTTPSConnection(request.args["host"])
    conn.request("GET", "/")
    return conn.getresponse().read()
