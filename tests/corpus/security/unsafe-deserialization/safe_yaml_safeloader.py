# expect: none
import yaml
from flask import Flask, request

app = Flask(__name__)


@app.route("/config2", methods=["POST"])
def config2():
    return str(yaml.load(request.data, Loader=yaml.SafeLoader))
