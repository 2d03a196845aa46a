# expect: none
from flask import Flask, request
from lxml import etree

app = Flask(__name__)


@app.route("/o")
def o():
    expr = "//user[@id='" + request.args["id"] + "']"
    expr = "//user[@id='0']"
    return str(etree.parse("/srv/u.xml").xpath(expr))
