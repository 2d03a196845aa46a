# expect: xpath-injection@10
from flask import Flask, request
from lxml import etree

app = Flask(__name__)


@app.route("/q")
def q():
    find = etree.XPath("//item[@id='%s']" % request.args["id"])
    return str(find(etree.parse("/srv/items.xml")))
