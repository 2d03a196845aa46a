# expect: xxe@15
import xml.sax
from xml.dom import pulldom

from flask import Flask, request

app = Flask(__name__)


@app.route("/p", methods=["POST"])
def p():
    parser = xml.sax.make_parser()
    parser.setFeature("http://xml.org/sax/features/external-parameter-entities", True)
    body = request.form["xml"]
    events = pulldom.parseString(body, parser=parser)
    return {"n": sum(1 for _ in events)}
