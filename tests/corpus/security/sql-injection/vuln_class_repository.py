# expect: sql-injection@14
import sqlite3

from flask import Flask, request

app = Flask(__name__)


class Repo:
    def __init__(self):
        self.conn = sqlite3.connect("repo.db")

    def by_email(self, email):
        return self.conn.execute("SELECT * FROM u WHERE email = '%s'" % email).fetchone()


@app.route("/by-email")
def by_email():
    return str(Repo().by_email(request.args["email"]))
