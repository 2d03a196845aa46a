# expect: path-traversal@10
from fastapi import FastAPI
from fastapi.responses import FileResponse

app = FastAPI()


@app.get("/static/{name}")
def static(name: str):
    return FileResponse("/srv/static/" + name)
