"""The baseline of the API benchmark: a bare FastAPI app, one route returning a constant, no
middleware. Served the same way as the real app: `uvicorn bench.noop_app:app`.

The route is `async def`: FastAPI runs a plain `def` route in its thread pool, which would
make the baseline slower (about 150 us a request here) and flatter the ratio."""

from fastapi import FastAPI

app = FastAPI()


@app.get("/")
async def read_constant():
    """A constant: what FastAPI and uvicorn cost with no work at all."""
    return {"status": "ok"}
