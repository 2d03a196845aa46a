# expect: xxe@11
from flask import Flask, request
from lxml import etree

app = Flask(__name__)


@app.route("/upload", methods=["POST"])
def upload():
    upload = request.files["doc"]
    tree = etree.parse(upload.stream)
    return {"root": tree.getroot().tag}
