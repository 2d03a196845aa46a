# expect: ldap-injection@12
import ldap
from flask import Flask, request

app = Flask(__name__)


@app.route("/ou")
def ou():
    unit = request.args["ou"]
    conn = ldap.initialize("ldap://dir")
    return str(conn.search_s("ou=" + unit + ",dc=x", ldap.SCOPE_ONELEVEL))
