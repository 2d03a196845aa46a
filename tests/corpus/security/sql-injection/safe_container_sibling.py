# expect: none
import sqlite3

from flask import Flask, request

app = Flask(__name__)


@app.route("/m")
def m():
    values = {"keyA": "a_Value", "keyB": request.args.get("b")}
    bar = values["keyA"]
    conn = sqlite3.connect("a.db")
    return str(conn.execute("SELECT * FROM t WHERE v = '" + bar + "'").fetchall())
