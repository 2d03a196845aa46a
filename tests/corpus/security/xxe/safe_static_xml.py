# expect: none
import xml.etree.ElementTree as ET

from flask import Flask, request

app = Flask(__name__)


@app.route("/static")
def static():
    request.args.get("x")
    return ET.fromstring("<a><b/></a>").tag
