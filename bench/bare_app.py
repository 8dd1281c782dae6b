"""The framework's ceiling: a bare FastAPI app with one route, served exactly like StarGuide."""

from fastapi import FastAPI

app = FastAPI()


@app.get("/hello")
async def hello() -> dict[str, str]:
    return {"status": "ok"}
