# expect: none
import ldap
from flask import Flask, request

app = Flask(__name__)


@app.route("/all")
def all_users():
    request.args.get("page")
    conn = ldap.initialize("ldap://dir")
    return str(conn.search_s("dc=x", ldap.SCOPE_SUBTREE, "(objectClass=person)"))
