# expect: none
import sqlite3

from flask import Flask, request

app = Flask(__name__)


@app.route("/del2")
def del2_view():
    values = ["safe", request.values.get("v", ""), "moresafe"]
    del values[0]
    bar = values[1]
    conn = sqlite3.connect("a.db")
    return str(conn.execute("SELECT * FROM t WHERE v = '" + bar + "'").fetchall())
