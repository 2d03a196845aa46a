# expect: ldap-injection@9
import ldap
from flask import Flask, request

app = Flask(__name__)


def find_user(conn, uid):
    return conn.search_s("dc=x", ldap.SCOPE_SUBTREE, "(uid=%s)" % uid)


@app.route("/f")
def f():
    return str(find_user(ldap.initialize("ldap://dir"), request.args["uid"]))
