# expect: none
import sqlite3

from flask import Flask, request

app = Flask(__name__)


@app.route("/user")
def user():
    name = request.args.get("name", "")
    conn = sqlite3.connect("app.db")
    return str(conn.execute("SELECT id FROM users WHERE name = ?", (name,)).fetchall())
