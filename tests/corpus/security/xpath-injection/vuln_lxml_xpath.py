# expect: xpath-injection@12
from flask import Flask, request
from lxml import etree

app = Flask(__name__)
TREE = etree.parse("/srv/users.xml")


@app.route("/user")
def user():
    name = request.args["name"]
    return str(TREE.xpath("//user[@name='" + name + "']"))
