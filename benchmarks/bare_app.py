"""The baseline for the intake benchmark: a bare FastAPI endpoint that validates a complaint
body with pydantic and does one INSERT, on the same kind of engine as the service (SQLite with
one writer connection, WAL). Run: ``python -m benchmarks.bare_app DATABASE_URL PORT``."""

from __future__ import annotations

import gc
import sys
import uuid
from contextlib import asynccontextmanager

import uvicorn
from fastapi import FastAPI
from pydantic import BaseModel, Field
from sqlalchemy import Column, MetaData, String, Table, Text, insert

from shared.db import create_engine

metadata = MetaData()
rows = Table("bare_complaints", metadata, Column("id", String(64), primary_key=True),
             Column("title", String(200)), Column("description", Text),
             Column("category_code", String(64)))


class Body(BaseModel):
    title: str = Field(max_length=200)
    description: str = Field(max_length=4000)
    category_code: str
    reporter: dict | None = None
    location: dict | None = None


def create_app(url: str) -> FastAPI:
    engine = create_engine(url)

    @asynccontextmanager
    async def lifespan(_: FastAPI):
        async with engine.begin() as conn:
            await conn.run_sync(metadata.create_all)
        gc.freeze()  # as the services do (shared.runtime): no long full collections
        yield
        await engine.dispose()

    app = FastAPI(lifespan=lifespan)

    @app.post("/bare", status_code=201)
    async def bare(body: Body) -> dict:
        new_id = str(uuid.uuid4())
        async with engine.begin() as conn:
            await conn.execute(insert(rows).values(id=new_id, title=body.title,
                                                   description=body.description,
                                                   category_code=body.category_code))
        return {"id": new_id}

    return app


if __name__ == "__main__":
    uvicorn.run(create_app(sys.argv[1]), host="127.0.0.1", port=int(sys.argv[2]),
                loop="uvloop", http="httptools", access_log=False, log_level="warning")
