# expect: none
import yaml
from flask import Flask, request

app = Flask(__name__)


@app.route("/config", methods=["POST"])
def config():
    return str(yaml.safe_load(request.data))
