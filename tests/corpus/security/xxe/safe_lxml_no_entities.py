# expect: none
from flask import Flask, request
from lxml import etree

app = Flask(__name__)


@app.route("/safe", methods=["POST"])
def safe():
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    return {"tag": etree.fromstring(request.data, parser).tag}
