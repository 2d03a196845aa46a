# expect: none
from flask import Flask, request
from ldap3 import Connection
from ldap3.utils.conv import escape_filter_chars

app = Flask(__name__)


@app.route("/g")
def g():
    conn = Connection("ldap://dir", auto_bind=True)
    conn.search("dc=corp", "(cn=%s)" % escape_filter_chars(request.args["cn"]))
    return str(conn.entries)
