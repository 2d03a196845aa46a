# expect: open-redirect@8
from flask import Flask, redirect, request

app = Flask(__name__)


def back(to):
    return redirect(to)


@app.route("/b")
def b():
    return back(request.headers.get("Referer"))
