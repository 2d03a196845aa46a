# expect: code-injection@11
from flask import Flask, request

app = Flask(__name__)


@app.route("/debug")
def debug():
    snippet = request.headers.get("X-Debug-Code", "")
    namespace = {}
    exec("result = " + snippet, namespace)
    return {"result": str(namespace.get("result"))}
