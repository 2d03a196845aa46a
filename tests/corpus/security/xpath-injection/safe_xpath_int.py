# expect: none
from flask import Flask, request
from lxml import etree

app = Flask(__name__)


@app.route("/n")
def n():
    idx = int(request.args["i"])
    return str(etree.parse("/srv/items.xml").xpath(f"//item[{idx}]"))
