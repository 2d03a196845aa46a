# expect: none
import ldap
from flask import Flask, request

app = Flask(__name__)


@app.route("/uid")
def uid():
    number = int(request.args["n"])
    conn = ldap.initialize("ldap://dir")
    return {"r": str(conn.search_s("dc=x", ldap.SCOPE_SUBTREE, "(uidNumber=%d)" % number))}
