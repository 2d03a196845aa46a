# expect: unsafe-deserialization@10
import yaml
from flask import Flask, request

app = Flask(__name__)


@app.route("/bulk", methods=["POST"])
def bulk():
    docs = list(yaml.load_all(request.get_data(), Loader=yaml.FullLoader))
    return {"n": len(docs)}
