"""The committed event schemas and AsyncAPI document are what the models generate."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import Field

import shared.events
from shared.events import docs
from shared.events.envelope import SCHEMA_URN_PREFIX, EventPayload, registered_types
from shared.topics import Topic


def _modified_registry() -> dict[str, type[EventPayload]]:
    """The real registry with complaint.rated.v1 given one more optional field."""

    class ComplaintRated(shared.events.ComplaintRated):  # no event_type: not registered
        """The citizen rated the handling. Only the score: a comment may hold personal data."""

        rated_via: str | None = Field(None, description="A field nobody regenerated docs for.")

    return {**registered_types(), "complaint.rated.v1": ComplaintRated}


def test_committed_docs_are_up_to_date() -> None:
    problems = docs.check(docs.REPO_ROOT)
    assert problems == [], "run: python -m shared.events.docs write\n" + "\n".join(problems)


def test_a_model_change_without_regenerating_is_reported() -> None:
    problems = docs.check(docs.REPO_ROOT, _modified_registry())
    assert problems == ["differs: docs/events/schemas/complaint.rated.v1.json"]


def test_a_new_type_without_regenerating_is_reported() -> None:
    class Extra(shared.events.ComplaintRated):  # reuses the base's ClassVars, not registered
        pass

    registry = {**registered_types(), "complaint.rated.v2": Extra}
    assert docs.check(docs.REPO_ROOT, registry) == [
        "differs: docs/events/asyncapi.yaml",
        "missing: docs/events/schemas/complaint.rated.v2.json",
    ]


def test_missing_differing_and_extra_files_are_named(tmp_path: Path) -> None:
    docs.write(tmp_path)
    assert docs.check(tmp_path) == []
    (tmp_path / docs.schema_path("complaint.filed.v1")).unlink()
    (tmp_path / docs.ASYNCAPI_FILE).write_text("asyncapi: 3.0.0\n")
    (tmp_path / docs.SCHEMA_DIR / "complaint.gone.v1.json").write_text("{}\n")
    assert docs.check(tmp_path) == [
        "differs: docs/events/asyncapi.yaml",
        "missing: docs/events/schemas/complaint.filed.v1.json",
        "extra: docs/events/schemas/complaint.gone.v1.json",
    ]
    assert docs.main(["check", "--root", str(tmp_path)]) == 1
    docs.write(tmp_path)  # rewrites and removes the stale schema
    assert docs.check(tmp_path) == []
    assert docs.main(["check", "--root", str(tmp_path)]) == 0


def test_generation_is_deterministic(tmp_path: Path) -> None:
    first = docs.render()
    assert docs.render() == first
    assert all(text.endswith("\n") and not text.endswith("\n\n") for text in first.values())
    docs.write(tmp_path)
    assert docs.write(tmp_path) == []  # a second run changes nothing


@pytest.fixture(scope="module")
def asyncapi() -> dict[str, Any]:
    return yaml.safe_load((docs.REPO_ROOT / docs.ASYNCAPI_FILE).read_text(encoding="utf-8"))


def _resolve(document: dict[str, Any], pointer: str) -> Any:
    node: Any = document
    for part in pointer.removeprefix("#/").split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        return [v for k, v in node.items() if k == "$ref"] + [
            r for v in node.values() for r in _refs(v)]
    if isinstance(node, list):
        return [r for v in node for r in _refs(v)]
    return []


def test_asyncapi_shape(asyncapi: dict[str, Any]) -> None:
    assert asyncapi["asyncapi"] == "3.0.0"
    assert {c["address"] for c in asyncapi["channels"].values()} == {str(t) for t in Topic}
    assert set(asyncapi["components"]["messages"]) == set(registered_types())
    sends = {k for k, op in asyncapi["operations"].items() if op["action"] == "send"}
    assert sends == {"complaints.send", "surveys.send", "kpi.send", "notifications.send"}
    for event_type, message in asyncapi["components"]["messages"].items():
        assert message["contentType"] == "application/cloudevents+json"
        key_field = registered_types()[event_type].key_field
        assert f"data.{key_field}" in message["bindings"]["kafka"]["key"]["description"]
    channel_of = {t: c["address"] for c in asyncapi["channels"].values() for t in c["messages"]}
    assert channel_of == {t: str(cls.topic) for t, cls in registered_types().items()}


def test_every_asyncapi_reference_resolves(asyncapi: dict[str, Any]) -> None:
    for ref in _refs(asyncapi):
        if ref.startswith("#/"):
            assert _resolve(asyncapi, ref) is not None, ref
        else:
            assert (docs.REPO_ROOT / docs.DOCS_DIR / ref).is_file(), ref


@pytest.mark.parametrize("event_type", sorted(registered_types()))
def test_schema_describes_the_envelope(event_type: str) -> None:
    path = docs.REPO_ROOT / docs.schema_path(event_type)
    schema = json.loads(path.read_text(encoding="utf-8"))
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == SCHEMA_URN_PREFIX + event_type
    assert schema["properties"]["type"]["const"] == event_type
    # both are open: CloudEvents extension attributes on the envelope, new optional fields in
    # the payload must not break an older consumer
    assert schema.get("additionalProperties") is not False
    payload = _resolve(schema, schema["properties"]["data"]["$ref"])
    assert payload.get("additionalProperties") is not False
    for ref in _refs(schema):
        _resolve(schema, ref)
