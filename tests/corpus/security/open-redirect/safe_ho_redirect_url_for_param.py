# expect: none
from flask import Flask, redirect, request, url_for

app = Flask(__name__)


@app.route("/item")
def item():
    return redirect(url_for("show", item_id=request.args["id"]))
