# expect: unsafe-deserialization@13
import pickle

from flask import Flask, request

app = Flask(__name__)


@app.route("/prefs")
def prefs():
    raw = request.cookies.get("prefs")
    data = bytes.fromhex(raw)
    prefs = pickle.loads(data)
    return str(prefs)
