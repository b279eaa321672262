"""Every service's app, served for real (uvicorn in a thread, its lifespan, the local broker,
a SQLite file), found and described generically: whatever routes a service has today, its
OpenAPI document says what to test. A seed (if the service has one here) gives the probes
something to find; a seed that no longer fits the service is skipped, never fatal."""

from __future__ import annotations

import asyncio
import importlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from shared.auth import Role, mint_token
from shared.broker import ensure_topics, free_port
from shared.settings import ServiceSettings
from shared.topics import all_topic_names

SERVICES = ["complaints", "surveys", "kpi", "notifications"]
AGENCY = "dpupr-bdg"
OTHER_AGENCY = "dpmptsp-sby"
METHODS = ("get", "post", "put", "patch", "delete")


def settings_class(name: str) -> type[ServiceSettings]:
    module = importlib.import_module(f"services.{name}.settings")
    return next(v for k, v in vars(module).items()
                if k.endswith("Settings") and k != "ServiceSettings" and isinstance(v, type)
                and issubclass(v, ServiceSettings))


def build(name: str, **settings: Any) -> Any:
    app_module = importlib.import_module(f"services.{name}.app")
    return app_module.create_app(settings_class(name)(**({"environment": "test"} | settings)))


def operations(name: str) -> list[tuple[str, str]]:
    """(METHOD, path) of every operation the service documents (its app is built, not run)."""
    spec = build(name).openapi()
    return [(method.upper(), path) for path, item in spec["paths"].items()
            for method in item if method in METHODS]


def token(settings: ServiceSettings, agency: str = AGENCY) -> dict[str, str]:
    """Every role at once: the probes reach as far as any caller could."""
    minted = mint_token(settings, subject="probe", roles=list(Role), agency_id=agency)
    return {"Authorization": f"Bearer {minted}"}


@dataclass
class Served:
    name: str
    app: Any
    base_url: str
    server: uvicorn.Server
    thread: threading.Thread
    requests: int = 0  # sent by schemathesis
    fuzz_requests: int = 0  # sent by the fuzz test
    server_errors: list[str] = field(default_factory=list)

    @property
    def settings(self) -> ServiceSettings:
        settings: ServiceSettings = self.app.state.runtime.settings
        return settings

    def auth(self, agency: str = AGENCY) -> dict[str, str]:
        return token(self.settings, agency)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)


def serve(name: str, tmp: Path, bootstrap: str, prefix: str, **extra: Any) -> Served:
    asyncio.run(ensure_topics(bootstrap, all_topic_names(prefix)))
    port = free_port()
    app = build(name, database_url=f"sqlite+aiosqlite:///{tmp / f'{name}.db'}",
                kafka_bootstrap=bootstrap, topic_prefix=prefix, kafka_session_timeout_ms=2000,
                **extra)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None,
                                           http="httptools", lifespan="on"))
    thread = threading.Thread(target=server.run, name=f"serve-{name}", daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"{name} did not start")
        time.sleep(0.05)
    served = Served(name, app, f"http://127.0.0.1:{port}", server, thread)
    seed = SEEDS.get(name)
    if seed is not None:
        with httpx.Client(base_url=served.base_url, timeout=10) as client:
            try:
                seed(client, served)
            except (httpx.HTTPError, AssertionError, KeyError, ValueError) as exc:
                print(f"seed of {name} skipped: {exc!r}")  # the service changed shape
    return served


# -- seeds: a few resources for the probes to find ---------------------------------------------

def _ok(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code < 300, response.text
    body: dict[str, Any] = response.json()
    return body


def seed_complaints(client: httpx.Client, served: Served) -> None:
    admin = served.auth()
    for agency in ({"id": "pemkot-bdg", "name_id": "Pemerintah Kota Bandung",
                    "name_en": "Bandung City Government", "kind": "regional"},
                   {"id": AGENCY, "name_id": "Dinas PUPR Kota Bandung",
                    "name_en": "Bandung Public Works", "kind": "unit", "parent_id": "pemkot-bdg"},
                   {"id": OTHER_AGENCY, "name_id": "DPMPTSP Kota Surabaya",
                    "name_en": "Surabaya Licensing Office", "kind": "unit"}):
        _ok(client.post("/v1/agencies", json=agency, headers=admin))
    _ok(client.post("/v1/categories", headers=admin, json={
        "code": "JALAN-RUSAK", "agency_id": AGENCY, "name_id": "Jalan rusak",
        "name_en": "Damaged road", "complexity": "normal", "attributes": []}))
    filed = _ok(client.post("/v1/complaints", json={
        "title": "Jalan berlubang", "description": "Lubang besar di depan sekolah.",
        "category_code": "JALAN-RUSAK", "location": {"lat": -6.9, "long": 107.6}}))
    served.app.state.probe_complaint = filed


def seed_surveys(client: httpx.Client, served: Served) -> None:
    survey = _ok(client.post("/v1/surveys", headers=served.auth(),
                             json={"unit_id": "unit-1", "title": "SKM Dukcapil"}))
    sid = survey.get("id") or survey.get("survey_id")
    _ok(client.post(f"/v1/surveys/{sid}/periods", headers=served.auth(),
                    json={"code": "2026", "population": 1000}))


SEEDS: dict[str, Callable[[httpx.Client, Served], None]] = {
    "complaints": seed_complaints, "surveys": seed_surveys}
