# expect: none
from flask import Flask, request
from lxml import etree

app = Flask(__name__)


@app.route("/s")
def s():
    exprs = ["//a", request.args["x"]]
    return str(etree.parse("/srv/i.xml").xpath(exprs[0]))
