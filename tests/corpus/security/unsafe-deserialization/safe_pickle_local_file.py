# expect: none
import pickle

from flask import Flask, request

app = Flask(__name__)


@app.route("/model")
def model():
    request.args.get("v")
    with open("/srv/model.pkl", "rb") as fh:
        clf = pickle.load(fh)
    return str(clf)
