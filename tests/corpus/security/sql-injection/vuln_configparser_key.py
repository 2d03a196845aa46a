# expect: sql-injection@17
import configparser
import sqlite3

from flask import Flask, request

app = Flask(__name__)


@app.route("/cfg")
def cfg():
    conf = configparser.ConfigParser()
    conf.add_section("section")
    conf.set("section", "keyA", "a_Value")
    conf.set("section", "keyB", request.args.get("p", ""))
    bar = conf.get("section", "keyB")
    return str(sqlite3.connect("a.db").execute("SELECT * FROM t WHERE v = '" + bar + "'").fetchall())
