# expect: ldap-injection@11
from fastapi import FastAPI
from ldap3 import Connection

app = FastAPI()


@app.get("/u")
def u(uid: str):
    conn = Connection("ldap://dir", auto_bind=True)
    conn.search(search_base="dc=x", search_filter="(uid=%s)" % uid)
    return {"n": len(conn.entries)}
