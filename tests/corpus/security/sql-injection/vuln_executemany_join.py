# expect: sql-injection@14
import sqlite3

from flask import Flask, request

app = Flask(__name__)


@app.route("/tags", methods=["POST"])
def tags():
    parts = ["INSERT INTO tags VALUES ('", request.json["tag"], "')"]
    stmt = "".join(parts)
    conn = sqlite3.connect("t.db")
    conn.executemany(stmt, [()])
    return "ok"
