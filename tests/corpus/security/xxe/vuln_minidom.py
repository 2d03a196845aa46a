# expect: xxe@15
import xml.sax
from xml.dom import minidom
from xml.sax.handler import feature_external_ges

from flask import Flask, request

app = Flask(__name__)


@app.route("/m", methods=["POST"])
def m():
    parser = xml.sax.make_parser()
    parser.setFeature(feature_external_ges, True)
    doc = minidom.parseString(request.get_data(), parser=parser)
    return {"tag": doc.documentElement.tagName}
