# expect: none
from flask import Flask, request
from werkzeug.utils import secure_filename

app = Flask(__name__)


@app.route("/upload", methods=["POST"])
def upload():
    f = request.files["doc"]
    f.save("/srv/uploads/" + secure_filename(f.filename))
    with open("/srv/uploads/" + secure_filename(f.filename)) as check:
        return check.read(10)
