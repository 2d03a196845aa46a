# expect: none
from flask import Flask, request
from lxml import etree

app = Flask(__name__)


@app.route("/all")
def all_items():
    request.args.get("x")
    return str(etree.parse("/srv/items.xml").xpath("//item"))
