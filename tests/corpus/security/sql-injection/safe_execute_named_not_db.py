# expect: none
from flask import Flask, request

app = Flask(__name__)


class Job:
    def execute(self, payload):
        return payload.upper()


@app.route("/job")
def job():
    return Job().execute(request.args["payload"]).lower()
