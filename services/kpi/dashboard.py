"""The public dashboard (filled in below)."""

from fastapi import APIRouter

router = APIRouter(tags=["dashboard"])
