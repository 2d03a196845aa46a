# expect: none
import io
import xml.sax

from flask import Flask, request

app = Flask(__name__)


@app.route("/s2", methods=["POST"])
def s2():
    parser = xml.sax.make_parser()
    parser.setFeature(xml.sax.handler.feature_external_ges, False)
    parser.setContentHandler(xml.sax.ContentHandler())
    parser.parse(io.BytesIO(request.data))
    return "ok"
