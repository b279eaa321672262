"""The deployment files (deploy/) agree with the platform's interface and with each other.

No Docker engine or cluster is needed: the files are parsed and checked structurally, the
topic script runs against a fake ``kafka-topics.sh``, and the image's health check runs against
a local HTTP server. What is checked:

* every YAML file parses (multi-document aware) and kustomization.yaml lists every manifest;
* every Kubernetes Deployment probes /readyz (readiness) and /healthz (liveness) on its
  service's port, and no pod (Deployment or Job) may run as root or escalate privileges;
* every compose service has a health check or is a one-shot that others wait for;
* every SUARA_* variable and every service port written anywhere in deploy/ is one the
  platform defines, each service only gets its own per-service settings, and database URLs
  in Kubernetes come from Secrets;
* the topics created by deploy/ are exactly ``shared.topics.all_topic_names()``;
* the Dockerfile is multi-stage, non-root, exec-form, with a HEALTHCHECK and no dev extras.
"""

from __future__ import annotations

import http.server
import importlib
import importlib.util
import json
import os
import re
import shutil
import socket
import stat
import subprocess
import sys
import threading
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from shared.topics import all_topic_names

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "k8s"
COMPOSE = DEPLOY / "compose.yaml"
DOCKERFILE = DEPLOY / "Dockerfile"
TOPICS_SCRIPT = K8S / "topics" / "create-topics.sh"

# The platform's interface (the settings and ports the services read). Keep in step with the
# settings in code: a name used in deploy/ that is not here fails the test.
PORTS = {"complaints": 8001, "surveys": 8002, "kpi": 8003, "notifications": 8004}
SHARED_SETTINGS = {
    "SUARA_ENVIRONMENT",
    "SUARA_HOST",
    "SUARA_KAFKA_BOOTSTRAP",
    "SUARA_KAFKA_SECURITY_PROTOCOL",
    "SUARA_KAFKA_SASL_MECHANISM",
    "SUARA_KAFKA_SASL_USERNAME",
    "SUARA_KAFKA_SASL_PASSWORD",
    "SUARA_KAFKA_SSL_CAFILE",
    "SUARA_KAFKA_SSL_CERTFILE",
    "SUARA_KAFKA_SSL_KEYFILE",
    "SUARA_KAFKA_ENABLE_IDEMPOTENCE",
    "SUARA_JWT_SECRET",
    "SUARA_JWT_PUBLIC_KEY",
    "SUARA_JWT_ISSUER",
    "SUARA_JWT_AUDIENCE",
    "SUARA_DATABASE_URL",
    "SUARA_TOPIC_PREFIX",
    "SUARA_LOG_FORMAT",
    "SUARA_MIGRATE_ON_START",
    "SUARA_PORT",
}
#: Never a literal in deploy/: from a Secret (k8s) or the operator's environment (compose).
SECRET_SETTINGS = {"SUARA_JWT_SECRET", "SUARA_KAFKA_SASL_PASSWORD", "SUARA_DATABASE_URL",
                   "SUARA_NOTIFICATIONS_SECRET_KEY", "SUARA_NOTIFICATIONS_DLR_SECRET",
                   "SUARA_NOTIFICATIONS_SMTP_PASSWORD", "SUARA_NOTIFICATIONS_GATEWAY_TOKEN",
                   "SUARA_NOTIFICATIONS_GATEWAY_PASS_KEY", "SUARA_NOTIFICATIONS_FCM_ACCESS_TOKEN"}
PER_SERVICE_SETTINGS = {
    svc: {f"SUARA_{svc.upper()}_PORT", f"SUARA_{svc.upper()}_DATABASE_URL"} for svc in PORTS
}
PER_SERVICE_SETTINGS["complaints"] |= {"SUARA_COMPLAINTS_PUBLIC_URL", "SUARA_SURVEYS_PUBLIC_URL"}
PER_SERVICE_SETTINGS["surveys"] |= {"SUARA_SURVEYS_PUBLIC_URL"}
PER_SERVICE_SETTINGS["notifications"] |= {
    f"SUARA_NOTIFICATIONS_{name}" for name in (
        "PUBLIC_URL", "SECRET_KEY", "DLR_SECRET", "SMTP_HOST", "SMTP_PORT", "SMTP_STARTTLS",
        "SMTP_USERNAME", "SMTP_PASSWORD", "SMTP_FROM", "GATEWAY_TOKEN", "GATEWAY_PASS_KEY",
        "FCM_ACCESS_TOKEN")}
ALLOWED_SETTINGS = SHARED_SETTINGS.union(*PER_SERVICE_SETTINGS.values())
ENUM_VALUES = {
    "SUARA_ENVIRONMENT": {"development", "test", "production"},
    "SUARA_LOG_FORMAT": {"json", "console"},
    "SUARA_KAFKA_SECURITY_PROTOCOL": {"PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"},
    "SUARA_KAFKA_SASL_MECHANISM": {"PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"},
    "SUARA_KAFKA_ENABLE_IDEMPOTENCE": {"true", "false"},
}
SUARA_IMAGE_NAMES = {"suara", "suara:local"}
SUARA_NAME = re.compile(r"\bSUARA_[A-Z0-9_]+\b")
PORTISH = re.compile(r"(?<![\d.])80\d\d(?![\d.])")


# ----------------------------------------------------------------------------- helpers


def deploy_text_files() -> list[Path]:
    files = [p for p in DEPLOY.rglob("*") if p.is_file() and "__pycache__" not in p.parts]
    assert files, "deploy/ is empty"
    return sorted(files)


def yaml_files() -> list[Path]:
    return sorted(p for p in DEPLOY.rglob("*") if p.suffix in {".yaml", ".yml"})


def load_docs(path: Path) -> list[Any]:
    with path.open(encoding="utf-8") as handle:
        return [doc for doc in yaml.safe_load_all(handle) if doc is not None]


def k8s_objects() -> list[tuple[Path, dict[str, Any]]]:
    objects = []
    for path in yaml_files():
        if K8S not in path.parents or path.name == "kustomization.yaml":
            continue
        for doc in load_docs(path):
            assert isinstance(doc, dict) and "kind" in doc, f"{path}: not a Kubernetes object"
            objects.append((path, doc))
    return objects


def of_kind(kind: str) -> list[dict[str, Any]]:
    return [obj for _, obj in k8s_objects() if obj["kind"] == kind]


def pod_specs() -> Iterator[tuple[str, dict[str, Any]]]:
    for _, obj in k8s_objects():
        if obj["kind"] in {"Deployment", "StatefulSet", "DaemonSet", "Job"}:
            yield f"{obj['kind']}/{obj['metadata']['name']}", obj["spec"]["template"]["spec"]
        elif obj["kind"] == "CronJob":
            spec = obj["spec"]["jobTemplate"]["spec"]["template"]["spec"]
            yield f"CronJob/{obj['metadata']['name']}", spec


def is_suara_image(image: str) -> bool:
    return image.split("@")[0] in SUARA_IMAGE_NAMES or image.split(":")[0] == "suara"


def script_service(argv: list[str]) -> str | None:
    """``['suara-kpi', 'serve']`` -> ``'kpi'``; ``['suara', 'migrate']`` -> None."""
    name = argv[0].removeprefix("suara-") if argv else ""
    return name if name in PORTS else None


def compose() -> dict[str, Any]:
    (doc,) = load_docs(COMPOSE)
    return doc


def console_scripts() -> set[str]:
    with (ROOT / "pyproject.toml").open("rb") as handle:
        return set(tomllib.load(handle)["project"]["scripts"])


def env_list_names(container: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {item["name"]: item for item in container.get("env", [])}


def k8s_settings(container: dict[str, Any]) -> dict[str, Any]:
    """Every SUARA_* the container gets: the referenced ConfigMaps' data, then its own env."""
    configmaps = {cm["metadata"]["name"]: cm.get("data", {}) for cm in of_kind("ConfigMap")}
    values: dict[str, Any] = {}
    for source in container.get("envFrom", []):
        name = source["configMapRef"]["name"]
        assert name in configmaps, f"envFrom references a ConfigMap not in deploy/k8s: {name}"
        values.update(configmaps[name])
    for name, item in env_list_names(container).items():
        values[name] = item.get("value", item.get("valueFrom"))
    return {k: v for k, v in values.items() if k.startswith("SUARA_")}


def resolve_port(container: dict[str, Any], port: int | str) -> int:
    if isinstance(port, int):
        return port
    for item in container.get("ports", []):
        if item.get("name") == port:
            return item["containerPort"]
    raise AssertionError(f"probe port {port!r} names no port of container {container['name']}")


# ----------------------------------------------------------------------------- all of deploy/


@pytest.mark.parametrize("path", yaml_files(), ids=lambda p: str(p.relative_to(DEPLOY)))
def test_every_yaml_file_parses(path: Path) -> None:
    docs = load_docs(path)
    assert docs, f"{path} holds no YAML document"


def test_the_allowed_settings_are_settings_of_the_platform() -> None:
    from shared.settings import ServiceSettings

    fields = set(ServiceSettings.model_fields)
    assert {n.removeprefix("SUARA_").lower() for n in SHARED_SETTINGS} <= fields


def test_every_suara_setting_named_in_deploy_is_a_platform_setting() -> None:
    unknown = {}
    for path in deploy_text_files():
        names = set(SUARA_NAME.findall(path.read_text(encoding="utf-8")))
        if names - ALLOWED_SETTINGS:
            unknown[str(path.relative_to(DEPLOY))] = sorted(names - ALLOWED_SETTINGS)
    assert not unknown, f"settings the platform does not define: {unknown}"


def test_every_service_port_written_in_deploy_is_a_platform_port() -> None:
    strays = {}
    for path in deploy_text_files():
        ports = {int(p) for p in PORTISH.findall(path.read_text(encoding="utf-8"))}
        if ports - set(PORTS.values()):
            strays[str(path.relative_to(DEPLOY))] = sorted(ports - set(PORTS.values()))
    assert not strays, f"ports no service listens on: {strays}"


def test_every_console_script_used_in_deploy_exists() -> None:
    scripts = console_scripts()
    used = set()
    for path in deploy_text_files():
        used |= set(
            re.findall(r"\bsuara(?:-[a-z]+)?(?=[\"', ]+(?:serve|migrate)\b)", path.read_text())
        )
    assert used, "no suara command found in deploy/"
    assert used <= scripts, f"not console scripts in pyproject.toml: {sorted(used - scripts)}"


# ----------------------------------------------------------------------------- kubernetes


def test_kustomization_lists_every_manifest_and_only_existing_files() -> None:
    (kustomization,) = load_docs(K8S / "kustomization.yaml")
    listed = {(K8S / r).resolve() for r in kustomization["resources"]}
    missing = sorted(str(p) for p in listed if not p.is_file())
    assert not missing, f"kustomization.yaml lists files that do not exist: {missing}"
    on_disk = {p.resolve() for p in K8S.rglob("*.yaml") if p.name != "kustomization.yaml"}
    assert on_disk - listed == set(), f"manifests kustomize never applies: {on_disk - listed}"
    for generator in kustomization.get("configMapGenerator", []):
        for entry in generator.get("files", []):
            assert (K8S / entry.split("=")[-1]).is_file(), entry


STAGES = {"prepare", "serve"}


def test_every_object_belongs_to_one_apply_stage() -> None:
    """README applies `-l suara/stage=prepare`, waits for the Jobs, then `-l suara/stage=serve`:
    an object without the label would never be applied."""
    for path, obj in k8s_objects():
        stage = obj["metadata"].get("labels", {}).get("suara/stage")
        assert stage in STAGES, f"{path}: {obj['kind']} has suara/stage={stage!r}"
        expected = (
            "serve"
            if obj["kind"] in {"Deployment", "Service", "PodDisruptionBudget"}
            else "prepare"
        )
        assert stage == expected, f"{path}: {obj['kind']} belongs to stage {expected}"
    (kustomization,) = load_docs(K8S / "kustomization.yaml")
    for generator in kustomization.get("configMapGenerator", []):
        assert generator["options"]["labels"]["suara/stage"] == "prepare", generator["name"]


@pytest.mark.skipif(
    shutil.which("kubectl") is None and shutil.which("kustomize") is None,
    reason="needs kubectl or kustomize to render deploy/k8s",
)
def test_kustomize_renders_the_tree() -> None:
    command = (
        ["kubectl", "kustomize", str(K8S)]
        if shutil.which("kubectl")
        else ["kustomize", "build", str(K8S)]
    )
    result = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    rendered = [doc for doc in yaml.safe_load_all(result.stdout) if doc]
    assert {d["metadata"].get("namespace", d["metadata"]["name"]) for d in rendered} == {"suara"}
    configmaps = {d["metadata"]["name"] for d in rendered if d["kind"] == "ConfigMap"}
    for doc in rendered:
        assert doc["metadata"]["labels"]["suara/stage"] in STAGES, doc["metadata"]["name"]
        if doc["kind"] in {"Deployment", "Job"}:
            spec = doc["spec"]["template"]["spec"]
            for volume in spec.get("volumes", []):
                if "configMap" in volume:
                    assert volume["configMap"]["name"] in configmaps, "generated name not rewritten"
            for container in spec["containers"]:
                assert container["image"] != "suara", "kustomize images: did not apply"


def test_no_secret_is_committed() -> None:
    assert not of_kind("Secret"), "deploy/k8s must reference Secrets, never contain them"
    for where, spec in pod_specs():
        for container in spec["containers"]:
            for name, item in env_list_names(container).items():
                if name.endswith("DATABASE_URL"):
                    ref = item.get("valueFrom", {}).get("secretKeyRef")
                    assert ref and ref.get("name") and ref.get("key"), (
                        f"{where}: {name} must come from a Secret (secretKeyRef)"
                    )


def test_secret_settings_come_from_secrets() -> None:
    """The token key and the Kafka password are never in a ConfigMap or a literal value."""
    for cm in of_kind("ConfigMap"):
        data = cm.get("data", {})
        leaked = {k for k in data if k in SECRET_SETTINGS or k.endswith("_DATABASE_URL")}
        assert not leaked, f"ConfigMap {cm['metadata']['name']} holds secrets: {leaked}"
    for where, spec in pod_specs():
        for container in spec["containers"]:
            for name, item in env_list_names(container).items():
                if name in SECRET_SETTINGS or name == "SUARA_JWT_PUBLIC_KEY":
                    ref = item.get("valueFrom", {}).get("secretKeyRef")
                    assert ref and ref.get("name") and ref.get("key"), (
                        f"{where}: {name} must come from a Secret (secretKeyRef)"
                    )


def _suara_containers() -> Iterator[tuple[str, str, dict[str, Any], dict[str, Any]]]:
    """(where, service, pod spec, container) of every Deployment and migration Job."""
    for where, spec in pod_specs():
        for container in spec["containers"]:
            service = script_service(container.get("args", []))
            if is_suara_image(container["image"]) and service:
                yield where, service, spec, container


def test_every_suara_pod_gets_the_token_key_and_the_kafka_settings() -> None:
    """Production settings refuse to start without a token key, and `suara-<svc> migrate`
    builds them too: Deployments and migration Jobs get the same key and Kafka settings."""
    seen = set()
    for where, service, spec, container in _suara_containers():
        env = env_list_names(container)
        refs = {n: env[n]["valueFrom"]["secretKeyRef"] for n in
                ("SUARA_JWT_SECRET", "SUARA_JWT_PUBLIC_KEY") if n in env}
        assert refs.keys() == {"SUARA_JWT_SECRET", "SUARA_JWT_PUBLIC_KEY"}, where
        assert {r["name"] for r in refs.values()} == {"suara-jwt"}, where
        assert all(r.get("optional") is True for r in refs.values()), (
            f"{where}: either key will do, so each is optional (the settings require one)"
        )
        for name in ("SUARA_KAFKA_SASL_USERNAME", "SUARA_KAFKA_SASL_PASSWORD"):
            ref = env[name]["valueFrom"]["secretKeyRef"]
            assert ref["name"] == f"suara-{service}-kafka" and ref.get("optional") is True, where
        volumes = {v["name"]: v for v in spec["volumes"]}
        assert volumes["kafka-tls"]["secret"] == {
            "secretName": f"suara-{service}-kafka-tls", "optional": True, "defaultMode": 0o440,
        }, where
        mounts = {m["name"]: m for m in container["volumeMounts"]}
        assert mounts["kafka-tls"]["mountPath"] == "/etc/suara/kafka-tls", where
        assert mounts["kafka-tls"].get("readOnly") is True, where
        settings = k8s_settings(container)
        assert str(settings.get("SUARA_KAFKA_ENABLE_IDEMPOTENCE")).lower() == "true", where
        assert settings.get("SUARA_KAFKA_SECURITY_PROTOCOL") in (
            ENUM_VALUES["SUARA_KAFKA_SECURITY_PROTOCOL"]
        ), where
        seen.add(where.split("/")[0])
    assert seen == {"Deployment", "Job"}


def _settings_class(service: str) -> type[Any]:
    module = importlib.import_module(f"services.{service}.settings")
    (cls,) = [
        c for c in vars(module).values()
        if isinstance(c, type) and getattr(c, "service", None) == service
    ]
    return cls


README_SECRETS = set(re.findall(r"`(suara-[a-z0-9-]+)`", (DEPLOY / "README.md").read_text()))


def _build_settings(service: str, env: dict[str, str], monkeypatch: pytest.MonkeyPatch, *,
                    serve: bool = True) -> Any:
    """The service's settings from exactly ``env`` and, for a serving container, its app built
    with them (what `suara-<service> serve` does before it listens): a variable the deployment
    forgets fails here, whether the settings or the app refuse it."""
    for name in list(os.environ):
        if name.startswith("SUARA_"):
            monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    settings = _settings_class(service)()
    if serve:
        importlib.import_module(f"services.{service}.app").create_app(settings)
    return settings


@pytest.mark.parametrize("with_key", [True, False])
def test_k8s_pods_build_valid_production_settings(with_key: bool,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """With the Secret suara-jwt (key "secret") and no optional Kafka Secrets, every pod's
    settings validate; without the token key every pod, migration Jobs included, refuses."""
    from pydantic import ValidationError

    for where, service, _, container in _suara_containers():
        env = {}
        for name, value in k8s_settings(container).items():
            ref = value.get("secretKeyRef") if isinstance(value, dict) else None
            if ref is None:
                env[name] = str(value)
            elif ref["name"] == f"suara-{service}-database":
                env[name] = f"sqlite+aiosqlite:////tmp/{service}.db"
            elif ref["name"] == "suara-jwt" and ref["key"] == "secret" and with_key:
                env[name] = "k8s-contract-test-secret-" + "x" * 16
            elif not ref.get("optional"):  # a required Secret the README tells to create
                assert ref["name"] in README_SECRETS, (
                    f"{where}: Secret {ref['name']} is required but deploy/README.md does not "
                    "list it among the Secrets to create")
                env[name] = f"k8s-contract-test-{ref['name']}-" + "x" * 16
            # other (optional) Secrets do not exist: Kubernetes leaves the variable unset
        if with_key:
            settings = _build_settings(service, env, monkeypatch,
                                       serve=not where.startswith("Job/"))
            assert settings.environment == "production", where
            assert settings.kafka_enable_idempotence is True, where
        else:
            with pytest.raises(ValidationError, match="SUARA_JWT_SECRET"):
                _build_settings(service, env, monkeypatch)


def test_one_deployment_service_pdb_and_migration_job_per_service() -> None:
    def by_service(kind: str, component: str) -> dict[str, dict[str, Any]]:
        found = {}
        for obj in of_kind(kind):
            labels = obj["metadata"].get("labels", {})
            if labels.get("app.kubernetes.io/component") == component:
                found[labels["app.kubernetes.io/name"]] = obj
        return found

    assert set(by_service("Deployment", "server")) == set(PORTS)
    assert set(by_service("Service", "server")) == set(PORTS)
    assert set(by_service("PodDisruptionBudget", "server")) == set(PORTS)
    assert set(by_service("Job", "migration")) == set(PORTS)


@pytest.mark.parametrize("service", sorted(PORTS))
def test_deployment_probes_ports_and_runtime(service: str) -> None:
    (deployment,) = [
        d
        for d in of_kind("Deployment")
        if d["metadata"]["labels"]["app.kubernetes.io/name"] == service
    ]
    spec = deployment["spec"]
    pod = spec["template"]["spec"]
    assert spec["replicas"] >= 2
    assert spec["selector"]["matchLabels"].items() <= spec["template"]["metadata"]["labels"].items()
    assert 20 <= pod["terminationGracePeriodSeconds"] <= 60
    # A Service named suara-<svc> would inject SUARA_<SVC>_PORT=tcp://... into every pod.
    assert pod.get("enableServiceLinks") is False

    (container,) = pod["containers"]
    assert is_suara_image(container["image"])
    assert "command" not in container, "use args: the image's ENTRYPOINT (tini) must stay PID 1"
    assert container["args"] == [f"suara-{service}", "serve"]
    assert [p["containerPort"] for p in container["ports"]] == [PORTS[service]]

    probes = {"readinessProbe": "/readyz", "livenessProbe": "/healthz"}
    for probe, path in probes.items():
        assert probe in container, f"{service}: no {probe}"
        http_get = container[probe]["httpGet"]
        assert http_get["path"] == path, f"{service}: {probe} on {http_get['path']}"
        assert resolve_port(container, http_get["port"]) == PORTS[service]
    if "startupProbe" in container:
        assert container["startupProbe"]["httpGet"]["path"] == "/healthz"

    resources = container["resources"]
    assert {"cpu", "memory"} <= set(resources["requests"])
    assert "memory" in resources["limits"]

    settings = k8s_settings(container)
    assert settings.get("SUARA_HOST") == "0.0.0.0"
    assert str(settings.get("SUARA_MIGRATE_ON_START")).lower() == "false"
    assert f"SUARA_{service.upper()}_DATABASE_URL" in settings
    port = settings.get(f"SUARA_{service.upper()}_PORT", settings.get("SUARA_PORT"))
    assert port is None or int(port) == PORTS[service]


@pytest.mark.parametrize("service", sorted(PORTS))
def test_service_and_pdb_select_the_deployment_pods(service: str) -> None:
    def named(kind: str) -> dict[str, Any]:
        (obj,) = [
            o for o in of_kind(kind) if o["metadata"]["labels"]["app.kubernetes.io/name"] == service
        ]
        return obj

    deployment, svc, pdb = named("Deployment"), named("Service"), named("PodDisruptionBudget")
    pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert svc["spec"]["selector"].items() <= pod_labels.items()
    assert pdb["spec"]["selector"]["matchLabels"].items() <= pod_labels.items()
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    (port,) = svc["spec"]["ports"]
    assert port["port"] == PORTS[service]
    assert resolve_port(container, port["targetPort"]) == PORTS[service]
    assert pdb["spec"].get("minAvailable", 0) < deployment["spec"]["replicas"], (
        "a PDB that blocks drains"
    )


@pytest.mark.parametrize("service", sorted(PORTS))
def test_migration_job_runs_the_service_migrate_command(service: str) -> None:
    (job,) = [
        j
        for j in of_kind("Job")
        if j["metadata"]["labels"].get("app.kubernetes.io/component") == "migration"
        and j["metadata"]["labels"]["app.kubernetes.io/name"] == service
    ]
    pod = job["spec"]["template"]["spec"]
    assert pod["restartPolicy"] in {"Never", "OnFailure"}
    assert job["spec"].get("parallelism", 1) == 1, "migrations must never run concurrently"
    (container,) = pod["containers"]
    assert is_suara_image(container["image"])
    assert container["args"] == [f"suara-{service}", "migrate"]
    assert f"SUARA_{service.upper()}_DATABASE_URL" in k8s_settings(container)


def test_no_pod_runs_as_root_or_escalates() -> None:
    for where, spec in pod_specs():
        pod_ctx = spec.get("securityContext", {})
        assert pod_ctx.get("seccompProfile", {}).get("type") in {"RuntimeDefault", "Localhost"}, (
            where
        )
        for container in spec["containers"] + spec.get("initContainers", []):
            ctx = container.get("securityContext", {})
            merged = {**pod_ctx, **ctx}
            assert merged.get("runAsNonRoot") is True, f"{where}/{container['name']}: runAsNonRoot"
            assert merged.get("runAsUser", 1) != 0, f"{where}/{container['name']}: runs as uid 0"
            assert ctx.get("allowPrivilegeEscalation") is False, f"{where}/{container['name']}"
            assert ctx.get("privileged", False) is False, f"{where}/{container['name']}"
            assert ctx.get("readOnlyRootFilesystem") is True, f"{where}/{container['name']}"
            assert ctx.get("capabilities", {}).get("drop") == ["ALL"], (
                f"{where}/{container['name']}"
            )
            assert not ctx.get("capabilities", {}).get("add"), f"{where}/{container['name']}"


def test_suara_pods_get_only_their_own_service_settings() -> None:
    for where, spec in pod_specs():
        for container in spec["containers"]:
            settings = k8s_settings(container)
            for name, value in settings.items():
                if name in ENUM_VALUES:
                    assert value in ENUM_VALUES[name], f"{where}: {name}={value!r}"
            if not is_suara_image(container["image"]):
                continue
            service = script_service(container.get("args", []))
            assert service, f"{where}: a Suara container must run suara-<service>"
            others = set().union(
                *(names for svc, names in PER_SERVICE_SETTINGS.items() if svc != service)
            ) - PER_SERVICE_SETTINGS[service]  # a name two services read on purpose
            assert not set(settings) & others, f"{where}: gets another service's settings"


def test_topics_job_uses_production_replication() -> None:
    (job,) = [
        j
        for j in of_kind("Job")
        if j["metadata"]["labels"].get("app.kubernetes.io/component") == "topics"
    ]
    (container,) = job["spec"]["template"]["spec"]["containers"]
    env = {k: v.get("value") for k, v in env_list_names(container).items()}
    assert env["PARTITIONS"] == "6"
    assert env["REPLICATION_FACTOR"] == "3"
    assert int(env["MIN_INSYNC_REPLICAS"]) >= 2
    assert "SUARA_KAFKA_BOOTSTRAP" in k8s_settings(container)
    assert TOPICS_SCRIPT.name in " ".join(container["command"])


# ----------------------------------------------------------------------------- compose


def test_every_compose_service_has_a_healthcheck_or_is_one_shot() -> None:
    services = compose()["services"]
    awaited = {
        name
        for svc in services.values()
        for name, cond in (svc.get("depends_on") or {}).items()
        if isinstance(cond, dict) and cond.get("condition") == "service_completed_successfully"
    }
    for name, svc in services.items():
        one_shot = svc.get("restart", "no") == "no" and name in awaited
        check = svc.get("healthcheck", {})
        has_check = bool(check.get("test")) and not check.get("disable")
        assert has_check or one_shot, f"compose service {name}: no healthcheck and not one-shot"


def test_compose_suara_services_wait_for_topics_and_migrations_and_publish_their_port() -> None:
    services = compose()["services"]
    for name, svc in services.items():
        if not is_suara_image(svc.get("image", "")):
            continue
        command = svc.get("command", ["suara-complaints", "serve"])
        environment = svc.get("environment", {})
        assert isinstance(environment, dict), f"{name}: use the mapping form for environment"
        for var, value in environment.items():
            assert var in ALLOWED_SETTINGS, f"{name}: {var}"
            if var in ENUM_VALUES:
                assert value in ENUM_VALUES[var], f"{name}: {var}={value!r}"
        assert environment.get("SUARA_HOST") == "0.0.0.0", name
        if command[-1] != "serve":
            continue
        service = script_service(command)
        assert service, f"{name}: runs {command}"
        assert str(environment.get("SUARA_MIGRATE_ON_START")).lower() == "false", name
        waits = {
            k
            for k, v in svc["depends_on"].items()
            if v["condition"] == "service_completed_successfully"
        }
        assert {"migrate", "topics"} <= waits, f"{name}: must start after topics and migrations"
        others = (set().union(*(n for s, n in PER_SERVICE_SETTINGS.items() if s != service))
                  - PER_SERVICE_SETTINGS[service])
        assert not set(environment) & others, f"{name}: gets another service's settings"
        assert f"SUARA_{service.upper()}_DATABASE_URL" in environment, name
        published = [str(p).rsplit(":", 1)[-1] for p in svc.get("ports", [])]
        assert published == [str(PORTS[service])], f"{name}: publishes {published}"
        assert svc["healthcheck"]["test"][-1] == str(PORTS[service]), f"{name}: health check port"


COMPOSE_VARIABLE = re.compile(r"\$\{(\w+)(?::([?-])([^}]*))?\}")


def compose_interpolate(value: str, environ: dict[str, str]) -> str:
    """Compose's ${VAR}, ${VAR:-default} and ${VAR:?error} (an unset or empty VAR fails)."""

    def one(match: re.Match[str]) -> str:
        name, kind, arg = match.groups()
        if environ.get(name):
            return environ[name]
        if kind == "?":
            raise LookupError(f"{name}: {arg}")
        return arg if kind == "-" else ""

    return COMPOSE_VARIABLE.sub(one, value)


def test_compose_secrets_come_from_the_operator() -> None:
    """No secret in compose.yaml: the token key is a required variable; every Suara container,
    the one-shot migrate included, gets it, plus the idempotent producer on Apache Kafka."""
    for name, svc in compose()["services"].items():
        if not is_suara_image(svc.get("image", "")):
            continue
        environment = svc["environment"]
        secret = environment.get("SUARA_JWT_SECRET", "")
        assert re.fullmatch(r"\$\{SUARA_JWT_SECRET:\?[^}]+\}", secret), (
            f"{name}: SUARA_JWT_SECRET must be ${{SUARA_JWT_SECRET:?...}}, never a value"
        )
        for var in SECRET_SETTINGS - {"SUARA_DATABASE_URL"}:
            if var in environment:
                assert str(environment[var]).startswith("${"), f"{name}: {var} is a literal"
        assert str(environment["SUARA_KAFKA_ENABLE_IDEMPOTENCE"]).lower() == "true", name
        assert environment["SUARA_KAFKA_SECURITY_PROTOCOL"] == "PLAINTEXT", (
            f"{name}: the compose broker listens in plaintext"
        )


@pytest.mark.parametrize("service", ["migrate", *sorted(PORTS)])
def test_compose_containers_build_valid_production_settings(
        service: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from pydantic import ValidationError

    environment = compose()["services"][service]["environment"]
    with pytest.raises(LookupError, match="SUARA_JWT_SECRET"):
        {k: compose_interpolate(str(v), {}) for k, v in environment.items()}
    # what the operator must export (the ${VAR:?...} ones); the others keep their defaults
    operator = {name: ("https://suara.example.go.id/t/{code}" if name.endswith("_URL")
                       else "smtp.example.go.id" if name.endswith("_HOST")
                       else "Suara <no-reply@example.go.id>" if name.endswith("_FROM")
                       else "compose-contract-test-" + name.lower() + "-" + "z" * 8)
                for name, kind, _ in COMPOSE_VARIABLE.findall(COMPOSE.read_text())
                if kind == "?"}
    env = {k: compose_interpolate(str(v), operator) for k, v in environment.items()}
    env = {k: (f"sqlite+aiosqlite:////tmp/{k}.db" if k.endswith("_DATABASE_URL") else v)
           for k, v in env.items()}
    for svc in PORTS if service == "migrate" else [service]:  # `suara migrate`: all four
        settings = _build_settings(svc, env, monkeypatch, serve=service != "migrate")
        assert settings.environment == "production"
        assert settings.jwt_issuer == settings.jwt_audience == "suara"
        assert settings.kafka_enable_idempotence is True
    with pytest.raises(ValidationError, match="at least 32 characters"):
        _build_settings(service if service in PORTS else "kpi",
                        {**env, "SUARA_JWT_SECRET": "too-short"}, monkeypatch)


def test_compose_database_urls_match_the_init_script() -> None:
    init_sql = (DEPLOY / "postgres" / "init.sql").read_text()
    databases = set(re.findall(r"CREATE DATABASE (\w+) OWNER (\w+)", init_sql))
    roles = dict(re.findall(r"CREATE ROLE (\w+) LOGIN PASSWORD '([^']+)'", init_sql))
    assert {db for db, _ in databases} == set(PORTS)
    url = re.compile(r"postgresql\+asyncpg://(\w+):([^@]+)@postgres:5432/(\w+)$")
    seen = set()
    for svc in compose()["services"].values():
        for var, value in (svc.get("environment") or {}).items():
            if var.endswith("_DATABASE_URL"):
                match = url.match(value)
                assert match, f"{var}={value}"
                user, password, database = match.groups()
                assert (database, user) in databases and roles[user] == password, var
                assert var == f"SUARA_{database.upper()}_DATABASE_URL", var
                seen.add(database)
    assert seen == set(PORTS)


def test_compose_broker_does_not_auto_create_topics() -> None:
    kafka = compose()["services"]["kafka"]
    assert kafka["image"].startswith("apache/kafka:")
    env = kafka["environment"]
    assert str(env["KAFKA_AUTO_CREATE_TOPICS_ENABLE"]).lower() == "false"
    assert "controller" in env["KAFKA_PROCESS_ROLES"], "KRaft mode"
    topics = compose()["services"]["topics"]
    assert topics["environment"]["REPLICATION_FACTOR"] == "1"
    assert topics["environment"]["PARTITIONS"] == "6"
    mounted = [v.split(":")[0] for v in topics["volumes"]]
    assert any((DEPLOY / m).resolve() == TOPICS_SCRIPT.resolve() for m in mounted)


# ----------------------------------------------------------------------------- topics


@pytest.mark.skipif(shutil.which("sh") is None, reason="needs a POSIX shell")
@pytest.mark.parametrize("prefix", ["", "staging."])
def test_topic_script_creates_exactly_the_platform_topics(tmp_path: Path, prefix: str) -> None:
    log = tmp_path / "calls"
    fake = tmp_path / "kafka-topics.sh"
    fake.write_text(f'#!/bin/sh\nprintf "%s\\n" "$*" >> "{log}"\n')
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "KAFKA_BIN": str(tmp_path),
        "SUARA_KAFKA_BOOTSTRAP": "kafka-0:9092,kafka-1:9092",
        "SUARA_TOPIC_PREFIX": prefix,
        "PARTITIONS": "6",
        "REPLICATION_FACTOR": "3",
        "MIN_INSYNC_REPLICAS": "2",
    }
    subprocess.run(["sh", str(TOPICS_SCRIPT)], env=env, check=True, capture_output=True)
    created = {}
    for line in log.read_text().splitlines():
        args = line.split()
        if "--create" in args:
            assert args[args.index("--bootstrap-server") + 1] == env["SUARA_KAFKA_BOOTSTRAP"]
            assert "--if-not-exists" in args
            assert args[args.index("--partitions") + 1] == "6"
            assert args[args.index("--replication-factor") + 1] == "3"
            created[args[args.index("--topic") + 1]] = args
    assert sorted(created) == sorted(all_topic_names(prefix))
    for name in all_topic_names(prefix):
        assert "min.insync.replicas=2" in created[name]


@pytest.mark.skipif(shutil.which("sh") is None, reason="needs a POSIX shell")
@pytest.mark.parametrize("exists", [True, False])
def test_topic_script_passes_the_client_properties_of_a_secured_cluster(tmp_path: Path,
                                                                        exists: bool) -> None:
    log = tmp_path / "calls"
    fake = tmp_path / "kafka-topics.sh"
    fake.write_text(f'#!/bin/sh\n{{ printf "[%s]" "$@"; echo; }} >> "{log}"\n')  # one [] per arg
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    properties = tmp_path / "client dir" / "client.properties"  # a space: must stay one argument
    if exists:
        properties.parent.mkdir()
        properties.write_text("security.protocol=SASL_SSL\n")
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "KAFKA_BIN": str(tmp_path),
        "SUARA_KAFKA_BOOTSTRAP": "kafka-0:9093",
        "KAFKA_COMMAND_CONFIG": str(properties),
    }
    subprocess.run(["sh", str(TOPICS_SCRIPT)], env=env, check=True, capture_output=True)
    calls = log.read_text().splitlines()
    assert len(calls) == len(all_topic_names()) + 1  # every create, then --list
    for call in calls:
        assert (f"[--command-config][{properties}]" in call) is exists, call
    (job,) = [j for j in of_kind("Job")
              if j["metadata"]["labels"].get("app.kubernetes.io/component") == "topics"]
    (container,) = job["spec"]["template"]["spec"]["containers"]
    configured = Path(env_list_names(container)["KAFKA_COMMAND_CONFIG"]["value"])
    mounts = {m["name"]: m["mountPath"] for m in container["volumeMounts"]}
    assert str(configured.parent) == mounts["kafka-client"]
    volumes = {v["name"]: v for v in job["spec"]["template"]["spec"]["volumes"]}
    assert volumes["kafka-client"]["secret"]["optional"] is True


def test_topic_script_fails_without_a_bootstrap(tmp_path: Path) -> None:
    result = subprocess.run(
        ["sh", str(TOPICS_SCRIPT)],
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "KAFKA_BIN": str(tmp_path)},
        capture_output=True,
    )
    assert result.returncode != 0


# ----------------------------------------------------------------------------- image


def dockerfile_instructions() -> list[tuple[str, str]]:
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    instructions = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            instructions.append((keyword.upper(), rest.strip()))
    return instructions


def test_dockerfile_is_multi_stage_non_root_exec_form_without_dev_extras() -> None:
    instructions = dockerfile_instructions()
    froms = [rest for kw, rest in instructions if kw == "FROM"]
    assert len(froms) >= 2, "multi-stage build"
    last_from = max(i for i, (kw, _) in enumerate(instructions) if kw == "FROM")
    final = instructions[last_from:]

    users = [rest for kw, rest in final if kw == "USER"]
    assert users, "the runtime stage must set USER"
    uid = users[-1].split(":")[0]
    assert uid.isdigit() and int(uid) != 0, "a numeric non-root USER (runAsNonRoot can verify it)"

    (entrypoint,) = [json.loads(rest) for kw, rest in final if kw == "ENTRYPOINT"]
    assert "tini" in entrypoint[0] and entrypoint[-1] == "--"
    (cmd,) = [json.loads(rest) for kw, rest in final if kw == "CMD"]
    assert cmd[0] in console_scripts() and cmd[1] == "serve"

    (healthcheck,) = [rest for kw, rest in final if kw == "HEALTHCHECK"]
    assert "CMD" in healthcheck and "python" in healthcheck and "healthcheck.py" in healthcheck

    exposed = {int(p) for kw, rest in final if kw == "EXPOSE" for p in rest.split()}
    assert exposed == set(PORTS.values())

    runs = " ".join(rest for kw, rest in instructions if kw == "RUN")
    assert "pip install -c constraints.txt ." in runs
    assert "[dev]" not in DOCKERFILE.read_text() and ".[" not in runs

    for kw, rest in instructions:
        if kw == "COPY" and "--from" not in rest:
            for source in rest.split()[:-1]:
                assert (ROOT / source).exists(), f"COPY {source}: not in the repository"


def test_dockerignore_lets_every_copied_path_through() -> None:
    ignore = (DEPLOY / "Dockerfile.dockerignore").read_text().splitlines()
    allowed = {line[1:].strip().rstrip("/") for line in ignore if line.startswith("!")}
    for kw, rest in dockerfile_instructions():
        if kw == "COPY" and "--from" not in rest:
            for source in rest.split()[:-1]:
                assert source.rstrip("/") in allowed, f"COPY {source} is excluded from the context"


# ----------------------------------------------------------------------------- health check


@pytest.fixture(scope="module")
def healthcheck() -> Any:
    spec = importlib.util.spec_from_file_location(
        "suara_deploy_healthcheck", DEPLOY / "healthcheck.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_healthcheck_knows_the_platform_ports(healthcheck: Any) -> None:
    assert healthcheck.DEFAULT_PORTS == PORTS
    assert healthcheck.serving_service(["/usr/bin/tini", "-g", "--", "suara-kpi", "serve"]) == "kpi"
    assert (
        healthcheck.serving_service(["tini", "--", "/opt/venv/bin/suara-surveys", "serve"])
        == "surveys"
    )
    assert healthcheck.serving_service(["tini", "--", "suara-kpi", "migrate"]) is None
    assert healthcheck.serving_service(["tini", "--", "suara", "migrate"]) is None
    assert healthcheck.resolve_port("kpi", {}) == 8003
    assert healthcheck.resolve_port("kpi", {"SUARA_PORT": "9000"}) == 9000
    assert healthcheck.resolve_port("kpi", {"SUARA_PORT": "9000", "SUARA_KPI_PORT": "9100"}) == 9100
    assert healthcheck.resolve_host({"SUARA_HOST": "0.0.0.0"}) == "127.0.0.1"
    assert healthcheck.resolve_host({"SUARA_HOST": "::"}) == "127.0.0.1"


@pytest.mark.parametrize(("status", "expected"), [(200, 0), (503, 1)])
def test_healthcheck_probes_healthz(healthcheck: Any, status: int, expected: int) -> None:
    paths: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            paths.append(self.path)
            self.send_response(status)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        port = server.server_address[1]
        result = healthcheck.main(["--port", str(port)], {"SUARA_HOST": "0.0.0.0"})
    finally:
        server.shutdown()
        server.server_close()
    assert result == expected
    assert paths == ["/healthz"]


def test_healthcheck_fails_when_nothing_listens(healthcheck: Any) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        free_port = sock.getsockname()[1]
    assert healthcheck.main(["--port", str(free_port)], {}) == 1
