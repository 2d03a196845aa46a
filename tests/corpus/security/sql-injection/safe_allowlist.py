# expect: none
import sqlite3

from flask import Flask, abort, request

app = Flask(__name__)
COLUMNS = {"name", "created", "size"}


@app.route("/sorted")
def sorted_rows():
    column = request.args.get("sort", "name")
    if column not in COLUMNS:
        abort(400)
    conn = sqlite3.connect("a.db")
    return str(conn.execute(f"SELECT * FROM files ORDER BY {column}").fetchall())
