# expect: none
import pickle

from flask import Flask, request

app = Flask(__name__)
DEFAULTS = pickle.dumps({"theme": "light"})


@app.route("/defaults")
def defaults():
    request.args.get("x")
    return {"d": pickle.loads(DEFAULTS)}
