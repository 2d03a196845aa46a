# expect: xxe@12
import xml.sax

from flask import Flask, request

app = Flask(__name__)


@app.route("/s", methods=["POST"])
def s():
    handler = xml.sax.ContentHandler()
    xml.sax.parseString(request.data, handler)
    return "ok"
