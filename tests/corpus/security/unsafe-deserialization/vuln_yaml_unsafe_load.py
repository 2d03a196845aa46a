# expect: unsafe-deserialization@10
import yaml
from fastapi import FastAPI

app = FastAPI()


@app.post("/import")
def import_doc(doc: str):
    return {"doc": yaml.unsafe_load(doc)}
