# expect: none
from flask import Flask, request
from sqlalchemy import create_engine, text

app = Flask(__name__)
engine = create_engine("sqlite://")


@app.route("/u")
def u():
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT * FROM users WHERE name = :n"), {"n": request.args["n"]}).all()
    return {"n": len(rows)}
