# expect: none
from defusedxml.minidom import parseString
from flask import Flask, request

app = Flask(__name__)


@app.route("/dm", methods=["POST"])
def dm():
    return {"tag": parseString(request.data).documentElement.tagName}
