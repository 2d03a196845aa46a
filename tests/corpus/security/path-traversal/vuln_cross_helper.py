# expect: path-traversal@10
import shutil

from flask import Flask, request

app = Flask(__name__)


def purge(folder):
    shutil.rmtree("/srv/cache/" + folder)


@app.route("/purge", methods=["POST"])
def purge_view():
    purge(request.form["folder"])
    return "ok"
