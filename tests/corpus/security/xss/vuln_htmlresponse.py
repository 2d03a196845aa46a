# expect: xss@10
from fastapi import FastAPI
from fastapi.responses import HTMLResponse

app = FastAPI()


@app.get("/banner")
def banner(text: str):
    return HTMLResponse(content="<marquee>" + text + "</marquee>")
