# expect: none
from flask import Flask, request
from lxml import etree

app = Flask(__name__)


@app.route("/b")
def b():
    param = request.args["p"]
    expr = "//item" if 1 + 1 == 2 else "//item[@id='" + param + "']"
    return str(etree.parse("/srv/i.xml").xpath(expr))
