# expect: none
import pickle

from flask import Flask, request

app = Flask(__name__)
TRUSTED = pickle.dumps({"a": 1})


@app.route("/cb")
def cb():
    data = request.get_data()
    if 2 ** 4 < 10:
        data = TRUSTED
    else:
        data = TRUSTED
    return str(pickle.loads(data))
