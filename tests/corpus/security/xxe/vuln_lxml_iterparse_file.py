# expect: xxe@10
from fastapi import FastAPI
from lxml import etree

app = FastAPI()


@app.post("/feed")
def feed(path: str):
    for _, element in etree.iterparse(path):
        return {"tag": element.tag}
    return {}
