# expect: xpath-injection@11
from fastapi import FastAPI
from lxml import etree

app = FastAPI()


@app.get("/c")
def c(country: str):
    root = etree.parse("/srv/geo.xml").getroot()
    return {"cities": root.xpath("//city[@country='{}']".format(country))}
