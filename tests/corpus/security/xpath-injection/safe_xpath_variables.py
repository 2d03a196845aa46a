# expect: none
from flask import Flask, request
from lxml import etree

app = Flask(__name__)
TREE = etree.parse("/srv/users.xml")


@app.route("/user")
def user():
    return str(TREE.xpath("//user[@name=$name]", name=request.args["name"]))
