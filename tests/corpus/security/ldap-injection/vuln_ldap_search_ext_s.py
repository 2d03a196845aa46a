# expect: ldap-injection@12
import ldap
from flask import Flask, request

app = Flask(__name__)


@app.route("/ext")
def ext():
    conn = ldap.initialize("ldap://dir")
    filt = "(sn=" + request.args["sn"] + ")"
    return str(conn.search_ext_s("dc=x", ldap.SCOPE_SUBTREE, filt))
