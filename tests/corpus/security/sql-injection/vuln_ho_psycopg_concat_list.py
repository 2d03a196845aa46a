# expect: sql-injection@15
import psycopg2
from flask import Flask, request

app = Flask(__name__)


@app.route("/search")
def search():
    filters = []
    for key in ("city", "zip"):
        filters.append(f"{key} = '{request.args.get(key, '')}'")
    where = " AND ".join(filters)
    cur = psycopg2.connect("dbname=app").cursor()
    cur.execute("SELECT * FROM addr WHERE " + where)
    return {"rows": cur.fetchall()}
