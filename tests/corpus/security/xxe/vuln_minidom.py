# expect: xxe@11
from xml.dom import minidom

from flask import Flask, request

app = Flask(__name__)


@app.route("/m", methods=["POST"])
def m():
    doc = minidom.parseString(request.get_data())
    return {"tag": doc.documentElement.tagName}
