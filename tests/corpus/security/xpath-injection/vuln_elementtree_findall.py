# expect: xpath-injection@13
import xml.etree.ElementTree as ET

from flask import Flask, request

app = Flask(__name__)


@app.route("/emp")
def emp():
    root = ET.parse("/srv/employees.xml").getroot()
    name = request.args.get("name", "")
    nodes = root.findall("./employee[@name='" + name + "']")
    return {"n": len(nodes)}
