# expect: none
import httpx
from fastapi import FastAPI

app = FastAPI()


@app.get("/weather")
def weather(city: str):
    return httpx.get("https://api.weather.example.com/v1/" + city, timeout=5).json()
