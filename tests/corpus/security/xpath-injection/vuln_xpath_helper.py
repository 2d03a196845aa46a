# expect: xpath-injection@9
from flask import Flask, request
from lxml import etree

app = Flask(__name__)


def query(root, expr):
    return root.xpath(expr)


@app.route("/h")
def h():
    root = etree.parse("/srv/data.xml")
    return str(query(root, "//node[@k='" + request.args["k"] + "']"))
