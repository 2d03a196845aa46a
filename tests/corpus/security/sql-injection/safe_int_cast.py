# expect: none
import sqlite3

from flask import Flask, request

app = Flask(__name__)


@app.route("/item")
def item():
    item_id = int(request.args["id"])
    conn = sqlite3.connect("app.db")
    return str(conn.execute(f"SELECT * FROM items WHERE id = {item_id}").fetchall())
