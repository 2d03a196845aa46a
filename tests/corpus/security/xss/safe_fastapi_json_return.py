# expect: none
from fastapi import FastAPI

app = FastAPI()


@app.get("/items/{name}")
def item(name: str):
    return {"name": name}
