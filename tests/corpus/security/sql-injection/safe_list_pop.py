# expect: none
import sqlite3

from flask import Flask, request

app = Flask(__name__)


@app.route("/l")
def l_view():
    items = ["safe", request.args.get("x"), "moresafe"]
    items.pop(1)
    bar = items[1]
    conn = sqlite3.connect("a.db")
    return str(conn.execute("SELECT * FROM t WHERE v = '" + bar + "'").fetchall())
