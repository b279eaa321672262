"""The evaluation report routes (filled in below)."""

from fastapi import APIRouter

router = APIRouter(prefix="/v1/public", tags=["report"])
