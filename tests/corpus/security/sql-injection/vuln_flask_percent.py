# expect: sql-injection@13
import sqlite3
from flask import Flask, request

app = Flask(__name__)


@app.route("/user")
def user():
    name = request.args.get("name", "")
    conn = sqlite3.connect("app.db")
    sql = "SELECT id FROM users WHERE name = '%s'" % name
    return str(conn.execute(sql).fetchall())
