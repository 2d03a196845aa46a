# expect: none
from flask import Flask, request
from markupsafe import Markup, escape

app = Flask(__name__)


@app.route("/bio")
def bio():
    return Markup("<p>%s</p>") % escape(request.form["bio"])
