# expect: xxe@15
import io
import xml.sax

from flask import Flask, request

app = Flask(__name__)


@app.route("/s", methods=["POST"])
def s():
    parser = xml.sax.make_parser()
    parser.setFeature(xml.sax.handler.feature_external_ges, True)
    parser.setContentHandler(xml.sax.ContentHandler())
    parser.parse(io.BytesIO(request.data))
    return "ok"
