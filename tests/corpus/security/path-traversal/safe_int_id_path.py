# expect: none
from flask import Flask

app = Flask(__name__)


@app.route("/invoice/<int:number>")
def invoice(number):
    with open(f"/srv/invoices/{number}.pdf", "rb") as fh:
        return fh.read()
