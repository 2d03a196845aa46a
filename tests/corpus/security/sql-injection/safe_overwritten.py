# expect: none
import sqlite3

from flask import Flask, request

app = Flask(__name__)


@app.route("/o")
def o():
    value = request.args.get("v")
    value = "default"
    conn = sqlite3.connect("a.db")
    return str(conn.execute("SELECT * FROM t WHERE v = '%s'" % value).fetchall())
