# expect: sql-injection@12
from flask import Flask, request
from sqlalchemy import create_engine, text

app = Flask(__name__)
engine = create_engine("sqlite://")


@app.post("/orders")
def orders():
    status = request.form["status"]
    query = text("SELECT * FROM orders WHERE status = '" + status + "'")
    with engine.connect() as conn:
        return {"n": len(conn.execute(query).all())}
