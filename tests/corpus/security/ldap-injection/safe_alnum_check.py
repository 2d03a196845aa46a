# expect: none
import ldap
from flask import Flask, abort, request

app = Flask(__name__)


@app.route("/id")
def by_id():
    uid = request.args["uid"]
    if not uid.isalnum():
        abort(400)
    conn = ldap.initialize("ldap://dir")
    return str(conn.search_s("dc=x", ldap.SCOPE_SUBTREE, "(uid=" + uid + ")"))
