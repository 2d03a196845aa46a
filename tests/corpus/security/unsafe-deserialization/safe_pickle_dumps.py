# expect: none
import pickle

from flask import Flask, request

app = Flask(__name__)


@app.route("/save", methods=["POST"])
def save():
    blob = pickle.dumps(request.form.to_dict())
    return str(len(blob))
