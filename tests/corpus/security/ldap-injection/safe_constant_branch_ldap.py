# expect: none
import ldap
from flask import Flask, request

app = Flask(__name__)


@app.route("/cb")
def cb():
    value = request.args["v"]
    bar = "(uid=guest)"
    if 4 + 4 == 9:
        bar = "(uid=" + value + ")"
    conn = ldap.initialize("ldap://dir")
    return str(conn.search_s("dc=x", ldap.SCOPE_SUBTREE, bar))
