# expect: none
from flask import Flask, abort, request
from lxml import etree

app = Flask(__name__)


@app.route("/n")
def n():
    num = request.args["n"]
    if not num.isdigit():
        abort(400)
    return {"n": len(etree.parse("/srv/x.xml").xpath("//item[@n='" + num + "']"))}
