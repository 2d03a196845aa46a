# expect: none
import xml.etree.ElementTree as ET

from flask import Flask, request

app = Flask(__name__)


@app.route("/e", methods=["POST"])
def e():
    root = ET.fromstring(request.form["xml"])
    return {"tag": root.tag}
