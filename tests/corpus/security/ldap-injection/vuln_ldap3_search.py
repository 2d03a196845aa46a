# expect: ldap-injection@12
from flask import Flask, request
from ldap3 import Connection, Server

app = Flask(__name__)


@app.route("/group")
def group():
    name = request.args.get("name")
    conn = Connection(Server("ldap://dir"), auto_bind=True)
    conn.search("dc=corp,dc=com", f"(cn={name})")
    return str(conn.entries)
