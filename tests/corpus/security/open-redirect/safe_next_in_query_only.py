# expect: none
from urllib.parse import urlencode

from flask import Flask, redirect, request, url_for

app = Flask(__name__)


@app.route("/private")
def private():
    query = urlencode({"next": request.url})
    target = f"{url_for('login')}?{query}"
    return redirect(target)
