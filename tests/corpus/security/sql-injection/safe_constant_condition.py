# expect: none
import sqlite3

from flask import Flask, request

app = Flask(__name__)


@app.route("/c")
def c():
    param = request.args.get("p")
    num = 106
    bar = "This should never happen" if (7 * 42) - num > 200 else param
    bar = "fixed_value" if (7 * 18) + num > 200 else param
    conn = sqlite3.connect("a.db")
    return str(conn.execute("SELECT * FROM t WHERE v = '" + bar + "'").fetchall())
