"""Generate the event documentation from the payload models, and check it has not drifted.

- ``docs/events/schemas/<event_type>.json``: the JSON Schema (draft 2020-12) of the whole
  CloudEvents envelope around that type's payload, as pydantic generates it, with the type
  pinned (``const``) and the ``$id`` equal to the envelope's ``dataschema``.
- ``docs/events/asyncapi.yaml``: an AsyncAPI 3.0.0 document: one channel per topic (address =
  the logical topic name; deployments may prefix it), one message per event type (its payload
  is the envelope schema above), one ``send`` operation per owning service.

Usage: ``python -m shared.events.docs write`` regenerates the files; ``... check`` exits 1 and
names every file that differs, is missing or is extra. Output is deterministic: a re-run gives
byte-identical files.
"""

from __future__ import annotations

import argparse
import inspect
import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

import shared
from shared.events import registered_types
from shared.events.envelope import CONTENT_TYPE, SCHEMA_URN_PREFIX, CloudEvent, EventPayload
from shared.topics import RESTRICTED_TOPICS, Topic

Registry = Mapping[str, type[EventPayload]]

REPO_ROOT = Path(shared.__file__).resolve().parent.parent
DOCS_DIR = "docs/events"
SCHEMA_DIR = f"{DOCS_DIR}/schemas"
ASYNCAPI_FILE = f"{DOCS_DIR}/asyncapi.yaml"
JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
KAFKA_BINDING_VERSION = "0.5.0"

#: The service that publishes each topic's events. The restricted topic is written by any
#: service that holds a recipient's contact and read by the notifications service alone.
TOPIC_OWNERS: dict[Topic, str] = {
    Topic.COMPLAINTS: "complaints",
    Topic.SURVEYS: "surveys",
    Topic.KPI: "kpi",
    Topic.NOTIFICATIONS: "notifications",
    Topic.NOTIFICATION_REQUESTS: "notifications",
}


def schema_path(event_type: str) -> str:
    return f"{SCHEMA_DIR}/{event_type}.json"


def envelope_schema(event_type: str, cls: type[EventPayload]) -> dict[str, Any]:
    """The JSON Schema of ``CloudEvent[cls]``: what travels as one Kafka message's value."""
    schema = CloudEvent[cls].model_json_schema()  # type: ignore[valid-type]
    props = schema["properties"]
    props["type"]["const"] = event_type
    props["subject"]["description"] += f" Here: data.{cls.key_field}."
    return {"$schema": JSON_SCHEMA_DIALECT, "$id": SCHEMA_URN_PREFIX + event_type, **schema}


def _doc(cls: type) -> str:
    return inspect.cleandoc(cls.__doc__ or cls.__name__)


def _channel_id(topic: Topic) -> str:
    return topic.name.lower()


def asyncapi_document(registry: Registry) -> dict[str, Any]:
    """The AsyncAPI 3.0.0 document for ``registry``, as plain data in a stable order."""
    by_topic: dict[Topic, list[str]] = {}
    for event_type in sorted(registry):
        by_topic.setdefault(registry[event_type].topic, []).append(event_type)
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    for topic in (t for t in Topic if t in by_topic):  # declaration order
        types, owner, cid = by_topic[topic], TOPIC_OWNERS[topic], _channel_id(topic)
        keys = sorted({registry[t].key_field for t in types})
        description = (
            f"Events of the {owner} service. Kafka key: the aggregate id ({', '.join(keys)}), "
            "also the envelope's subject, so that one aggregate's events stay in order on one "
            "partition. The physical topic name may carry a deployment prefix."
        )
        if topic in RESTRICTED_TOPICS:
            description = (
                "Restricted: the only topic that may carry contact data. Any service holding "
                "a recipient's contact writes here; only the notifications service may read it "
                "(broker ACL). Kafka key: the notification id, also the envelope's subject."
            )
        channels[cid] = {
            "address": str(topic),
            "title": str(topic),
            "description": description,
            "messages": {t: {"$ref": f"#/components/messages/{t}"} for t in types},
        }
        refs = [{"$ref": f"#/channels/{cid}/messages/{t}"} for t in types]
        if topic in RESTRICTED_TOPICS:
            operations[f"{owner}.receiveRequests"] = {
                "action": "receive",
                "channel": {"$ref": f"#/channels/{cid}"},
                "summary": f"The {owner} service reads the requests and sends the messages.",
                "messages": refs,
            }
        else:
            operations[f"{owner}.send"] = {
                "action": "send",
                "channel": {"$ref": f"#/channels/{cid}"},
                "summary": f"The {owner} service publishes, through its transactional outbox.",
                "messages": refs,
            }
    messages = {t: _message(t, registry[t]) for t in sorted(registry)}
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Suara events",
            "version": "1.0.0",
            "description": (
                "Events between the Suara services. Every message value is a CloudEvents 1.0 "
                "envelope in structured mode (content type application/cloudevents+json) with "
                "the typed payload in data. Consumers deduplicate on the envelope's id. Types "
                "are versioned (.v1): adding an optional field keeps the version, any other "
                "change is a new type. Generated by python -m shared.events.docs; do not edit."
            ),
        },
        "defaultContentType": CONTENT_TYPE,
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages},
    }


def _message(event_type: str, cls: type[EventPayload]) -> dict[str, Any]:
    doc = _doc(cls)
    return {
        "name": cls.__name__,
        "title": event_type,
        "summary": " ".join(doc.split("\n\n")[0].split()),
        "description": doc,
        "contentType": CONTENT_TYPE,
        "headers": {
            "type": "object",
            "properties": {"content-type": {"type": "string", "const": CONTENT_TYPE}},
        },
        "payload": {"$ref": f"./schemas/{event_type}.json"},
        "bindings": {
            "kafka": {
                "key": {
                    "type": "string",
                    "minLength": 1,
                    "description": f"data.{cls.key_field}, equal to the envelope's subject.",
                },
                "bindingVersion": KAFKA_BINDING_VERSION,
            }
        },
    }


class _Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:  # no &id001 anchors: every node spelled out
        return True


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def render(registry: Registry | None = None) -> dict[str, str]:
    """Every generated file, by its path relative to the repository root."""
    registry = registered_types() if registry is None else registry
    files = {
        schema_path(t): json.dumps(envelope_schema(t, registry[t]), indent=2) + "\n"
        for t in sorted(registry)
    }
    files[ASYNCAPI_FILE] = yaml.dump(
        asyncapi_document(registry), Dumper=_Dumper, sort_keys=False, allow_unicode=True,
        width=100, default_flow_style=False,
    )
    return files


def _existing(root: Path) -> set[str]:
    found = {p.relative_to(root).as_posix() for p in (root / SCHEMA_DIR).glob("*.json")}
    if (root / ASYNCAPI_FILE).exists():
        found.add(ASYNCAPI_FILE)
    return found


def check(root: Path = REPO_ROOT, registry: Registry | None = None) -> list[str]:
    """What differs between the files under ``root`` and the generated ones (empty: none)."""
    expected = render(registry)
    problems = []
    for rel in sorted(set(expected) | _existing(root)):
        path = root / rel
        if rel not in expected:
            problems.append(f"extra: {rel}")
        elif not path.is_file():
            problems.append(f"missing: {rel}")
        elif path.read_bytes() != expected[rel].encode():
            problems.append(f"differs: {rel}")
    return problems


def write(root: Path = REPO_ROOT, registry: Registry | None = None) -> list[str]:
    """Write the generated files under ``root``, delete stale schemas; the paths changed."""
    expected = render(registry)
    changed = []
    for rel in sorted(_existing(root) - set(expected)):
        (root / rel).unlink()
        changed.append(rel)
    for rel, text in expected.items():
        path = root / rel
        data = text.encode()
        if not path.is_file() or path.read_bytes() != data:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            changed.append(rel)
    return changed


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m shared.events.docs", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["write", "check"])
    parser.add_argument("--root", type=Path, default=REPO_ROOT, help="repository root")
    args = parser.parse_args(argv)
    if args.command == "write":
        changed = write(args.root)
        print(f"{len(changed)} file(s) written or removed" + "".join(f"\n  {c}" for c in changed))
        return 0
    problems = check(args.root)
    if problems:
        print("event docs are out of date (run: python -m shared.events.docs write):",
              *problems, sep="\n  ", file=sys.stderr)
        return 1
    print("event docs are up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
