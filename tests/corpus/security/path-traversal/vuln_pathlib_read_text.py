# expect: path-traversal@12
from pathlib import Path

from flask import Flask, request

app = Flask(__name__)


@app.route("/note")
def note():
    p = Path("/srv/notes") / request.args["note"]
    return p.read_text()
