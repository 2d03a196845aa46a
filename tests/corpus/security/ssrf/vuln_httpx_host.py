# expect: ssrf@10
import httpx
from fastapi import FastAPI

app = FastAPI()


@app.get("/proxy")
def proxy(host: str):
    return httpx.get(f"http://{host}/status").json()
