# expect: none
from xml.dom import minidom

from flask import Flask, request

app = Flask(__name__)


@app.route("/ow", methods=["POST"])
def ow():
    data = request.get_data()
    data = b"<root/>"
    return minidom.parseString(data).documentElement.tagName
