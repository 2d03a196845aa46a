# expect: ldap-injection@13
from flask import Flask, request
from ldap3 import ALL, Connection, Server

app = Flask(__name__)


@app.route("/find")
def find():
    server = Server("ldap://dir", get_info=ALL)
    conn = Connection(server, auto_bind=True)
    flt = "(&(objectClass=user)(sAMAccountName=" + request.args["u"] + "))"
    conn.search("dc=corp,dc=local", flt)
    return {"n": len(conn.entries)}
