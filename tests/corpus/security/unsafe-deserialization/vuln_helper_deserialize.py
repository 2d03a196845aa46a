# expect: unsafe-deserialization@10
import pickle

from flask import Flask, request

app = Flask(__name__)


def decode(data):
    return pickle.loads(data)


@app.route("/d", methods=["POST"])
def d():
    return str(decode(request.get_data()))
