# expect: ldap-injection@12
import ldap
from flask import Flask, request

app = Flask(__name__)


@app.route("/who")
def who():
    user = request.args["user"]
    conn = ldap.initialize("ldap://directory")
    result = conn.search_s("dc=example,dc=com", ldap.SCOPE_SUBTREE, "(uid=" + user + ")")
    return str(result)
