# expect: xpath-injection@12
from flask import Flask, request
from lxml import etree

app = Flask(__name__)


@app.route("/price")
def price():
    root = etree.parse("/srv/catalog.xml").getroot()
    sku = request.values.get("sku")
    nodes = root.xpath("//product[@sku='%s']/price" % sku)
    return {"n": len(nodes)}
