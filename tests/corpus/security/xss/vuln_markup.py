# expect: xss@11
from flask import Flask, request
from markupsafe import Markup

app = Flask(__name__)


@app.route("/bio")
def bio():
    text = request.form["bio"]
    return Markup("<p>%s</p>" % text)
