# expect: xxe@9
from flask import Flask, request
from lxml import etree

app = Flask(__name__)


def parse_doc(blob):
    return etree.XML(blob)


@app.route("/h", methods=["POST"])
def h():
    return {"tag": parse_doc(request.data).tag}
