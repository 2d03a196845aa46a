# expect: none
from flask import Flask, request
from lxml import etree

app = Flask(__name__)
FIELDS = ["title", "author"]


@app.route("/f")
def f():
    field = request.args["field"]
    if field in FIELDS:
        return str(etree.parse("/srv/b.xml").xpath("//book/" + field))
    return "bad"
