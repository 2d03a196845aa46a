# expect: code-injection@12
from flask import Flask, request

app = Flask(__name__)


class Plugin:
    def __init__(self, body):
        self.body = body

    def run(self):
        exec(self.body)


@app.route("/plugin", methods=["POST"])
def plugin():
    Plugin(request.get_data(as_text=True)).run()
    return "ok"
