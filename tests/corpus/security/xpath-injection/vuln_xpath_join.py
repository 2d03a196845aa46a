# expect: xpath-injection@11
from flask import Flask, request
from lxml import etree

app = Flask(__name__)


@app.route("/j")
def j():
    parts = ["//account[owner='", request.args["owner"], "']"]
    return str(etree.parse("/srv/acc.xml").xpath("".join(parts)))
