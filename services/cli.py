"""``suara``: the whole platform on one machine.

  suara dev       the local broker, its topics, the four services on SQLite; Ctrl-C stops all
  suara migrate   apply every service's migrations (what production runs before starting)
  suara broker    only the local broker, for running services by hand
  suara webhook listen   a local receiver subscribed to the webhooks, printing each delivery
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass

from services.complaints.settings import ComplaintsSettings
from services.kpi.settings import KpiSettings
from services.notifications.devtools import DevProviders
from services.notifications.settings import NotificationsSettings
from services.surveys.settings import SurveysSettings
from shared.broker import LocalBroker, ensure_topics, free_port
from shared.logging import configure_logging
from shared.service_cli import migrate as migrate_service
from shared.settings import ServiceSettings
from shared.topics import all_topic_names

SERVICES: dict[str, type[ServiceSettings]] = {
    "complaints": ComplaintsSettings,
    "surveys": SurveysSettings,
    "kpi": KpiSettings,
    "notifications": NotificationsSettings,
}
DEFAULT_BROKER_PORT = 9092


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="suara", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    dev = sub.add_parser("dev", help="run the whole platform locally")
    dev.add_argument("--ready-timeout", type=float, default=60.0)
    sub.add_parser("migrate", help="apply every service's migrations")
    token = sub.add_parser("token", help="mint an officer's JWT (development signing secret)")
    token.add_argument("--role", action="append", required=True,
                       choices=["officer", "supervisor", "admin", "auditor"])
    token.add_argument("--agency", help="the agency id the officer works for")
    token.add_argument("--subject", default="dev-user")
    token.add_argument("--hours", type=float, default=8.0)
    key = sub.add_parser("api-key", help="issue an Open311 API key from the running service")
    key.add_argument("--name", required=True)
    key.add_argument("--url", default="", help="complaints service URL (default: settings)")
    broker = sub.add_parser("broker", help="run only the local broker")
    broker.add_argument("--port", type=int, default=DEFAULT_BROKER_PORT)
    webhook = sub.add_parser("webhook", help="webhook tools for integrators")
    webhook_sub = webhook.add_subparsers(dest="webhook_command", required=True)
    listen = webhook_sub.add_parser("listen", help="receive, verify and print deliveries")
    listen.add_argument("--url", default="", help="notifications service URL")
    listen.add_argument("--token", help="an agency admin's JWT (default: a development one)")
    listen.add_argument("--agency", default="dpupr-bdg", help="the agency to listen for")
    listen.add_argument("--events", action="append", help="event types (default: *)")
    listen.add_argument("--port", type=int, default=0, help="local port (default: free)")
    args = parser.parse_args(argv)
    configure_logging("console", os.environ.get("SUARA_LOG_LEVEL", "WARNING"))
    if args.command == "dev":
        return run_dev(ready_timeout=args.ready_timeout)
    if args.command == "migrate":
        return run_migrate()
    if args.command == "token":
        return run_token(args.role, args.agency, args.subject, args.hours)
    if args.command == "api-key":
        return run_api_key(args.name, args.url)
    if args.command == "webhook":
        return run_webhook_listen(args)
    return run_broker(args.port)


def run_webhook_listen(args: argparse.Namespace) -> int:
    from services.notifications.listen import listen
    from shared.auth import Role, mint_token

    settings = NotificationsSettings()
    url = args.url or f"http://{settings.host}:{settings.port}"
    token = args.token or mint_token(settings, subject="suara-webhook-listen",
                                     roles=[Role.ADMIN], agency_id=args.agency)
    return asyncio.run(listen(service_url=url, token=token, events=args.events or ["*"],
                              port=args.port or free_port(), agency=None))


def run_migrate() -> int:
    from importlib import import_module

    for name, settings_cls in SERVICES.items():
        versions = import_module(f"services.{name}.migrations").VERSIONS
        settings = settings_cls()
        asyncio.run(migrate_service(settings, versions))
        print(f"{name:<14} migrated  {settings.database_url.split('@')[-1]}")
    return 0


def run_token(roles: list[str], agency: str | None, subject: str, hours: float) -> int:
    from datetime import timedelta

    from shared.auth import mint_token

    settings = ComplaintsSettings()
    print(mint_token(settings, subject=subject, roles=roles, agency_id=agency,
                     ttl=timedelta(hours=hours)))
    return 0


def run_api_key(name: str, url: str) -> int:
    import httpx

    from shared.auth import Role, mint_token

    settings = ComplaintsSettings()
    base = url or f"http://{settings.host}:{settings.port}"
    admin = mint_token(settings, subject="suara-cli", roles=[Role.ADMIN], agency_id=None)
    r = httpx.post(f"{base}/v1/api-keys", json={"name": name},
                   headers={"Authorization": f"Bearer {admin}"}, timeout=10)
    if r.status_code != 201:
        print(f"{base} answered {r.status_code}: {r.text}", file=sys.stderr)
        return 1
    body = r.json()
    print(f"API key for {body['name']} (id {body['id']}), shown once:\n{body['api_key']}")
    return 0


def run_broker(port: int) -> int:
    broker = LocalBroker(port=port if _port_free(port) else free_port())
    broker.start()
    asyncio.run(ensure_topics(broker.bootstrap, all_topic_names()))
    print(f"local broker (Tansu, memory only) on {broker.bootstrap}; Ctrl-C stops it")
    try:
        _wait_for_signal(lambda: broker.running)
    finally:
        broker.stop()
    return 0


@dataclass
class _Child:
    name: str
    url: str
    proc: subprocess.Popen[bytes]


def run_dev(*, ready_timeout: float) -> int:
    env = dict(os.environ)
    env.setdefault("SUARA_ENVIRONMENT", "development")
    env["PYTHONUNBUFFERED"] = "1"  # log lines reach the terminal as they are written
    broker: LocalBroker | None = None
    providers: DevProviders | None = None
    children: list[_Child] = []
    stopping = {"signal": False}

    def on_signal(signum: int, _frame: object) -> None:
        stopping["signal"] = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        if "SUARA_KAFKA_BOOTSTRAP" in env:
            bootstrap = env["SUARA_KAFKA_BOOTSTRAP"]
            print(f"using the broker at {bootstrap} (SUARA_KAFKA_BOOTSTRAP)")
        else:
            data_dir = ServiceSettings().data_dir
            data_dir.mkdir(parents=True, exist_ok=True)
            port = DEFAULT_BROKER_PORT if _port_free(DEFAULT_BROKER_PORT) else free_port()
            broker = LocalBroker(port=port, log_file=data_dir / "tansu.log")
            print(f"starting the local broker (Tansu, memory only) on 127.0.0.1:{port} ...")
            broker.start()
            bootstrap = broker.bootstrap
            env["SUARA_KAFKA_BOOTSTRAP"] = bootstrap
        prefix = env.get("SUARA_TOPIC_PREFIX", "")
        asyncio.run(ensure_topics(bootstrap, all_topic_names(prefix)))
        providers = _start_dev_providers(env)
        print(f"topics ready: {', '.join(all_topic_names(prefix)[:5])} (+ dead-letter topics)")

        for name, settings_cls in SERVICES.items():
            settings = settings_cls()
            proc = subprocess.Popen(  # noqa: S603 - our own entry point
                [sys.executable, "-m", f"services.{name}", "serve"], env=env,
                start_new_session=True,  # Ctrl-C reaches us; we stop the services in order
                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1,
            )
            threading.Thread(target=_prefix_output, args=(name, proc), daemon=True).start()
            children.append(_Child(name, f"http://{settings.host}:{settings.port}", proc))
        print("starting complaints, surveys, kpi, notifications ...")
        if not _wait_ready(children, ready_timeout, stopping):
            return 1
        _print_urls(children, bootstrap)
        _seed_demo(children)
        while not stopping["signal"]:
            for child in children:
                if child.proc.poll() is not None:
                    print(f"\n{child.name} exited with {child.proc.returncode}; stopping")
                    return 1
            if broker is not None and not broker.running:
                print("\nthe local broker exited; stopping")
                return 1
            time.sleep(0.3)
        print("\nstopping ...")
        return 0
    finally:
        _stop_children(children)
        if providers is not None:
            providers.stop()
        if broker is not None:
            broker.stop()
        if children or broker is not None:
            print("stopped.")


def _start_dev_providers(env: dict[str, str]) -> DevProviders | None:
    """The SMTP catcher and fake SMS/WhatsApp/FCM providers the notifications service sends
    to in development (services/notifications/devtools.py); not if SMTP is configured."""
    if "SUARA_NOTIFICATIONS_SMTP_HOST" in env or "SUARA_SMTP_HOST" in env:
        return None
    settings = NotificationsSettings()
    port = int(env.get("SUARA_NOTIFICATIONS_PORT", settings.port))
    providers = DevProviders(
        smtp_port=1025 if _port_free(1025) else free_port(),
        http_port=8025 if _port_free(8025) else free_port(),
        dlr_url=f"http://127.0.0.1:{port}/v1/providers/{{channel}}/dlr",
        dlr_secret=settings.dlr_secret.get_secret_value())
    providers.start()
    env.update(providers.env())
    print(f"development mail and SMS: SMTP catcher on 127.0.0.1:{providers.smtp_port}, fake "
          f"SMS/WhatsApp/push providers; every message is printed here and listed at "
          f"http://127.0.0.1:{providers.http_port}/")
    return providers


def _seed_demo(children: list[_Child]) -> None:
    from services.complaints.demo import seed

    complaints = next(c for c in children if c.name == "complaints")
    try:
        lines = asyncio.run(seed(complaints.url, ComplaintsSettings()))
    except Exception as exc:  # noqa: BLE001 - the platform runs on; say what went wrong
        print(f"demo data could not be created: {type(exc).__name__}: {exc}")
        return
    print("\n".join(lines))
    print("Try: curl -H 'Authorization: Bearer <officer token>' "
          f"{complaints.url}/v1/complaints\n")


def _prefix_output(name: str, proc: subprocess.Popen[str]) -> None:
    """Each service's log lines, prefixed with its name (four processes share one terminal)."""
    assert proc.stdout is not None
    for line in proc.stdout:
        sys.stdout.write(f"{name:>13} | {line}")
        sys.stdout.flush()


def _wait_ready(children: list[_Child], timeout: float, stopping: dict[str, bool]) -> bool:
    pending = {c.name: c for c in children}
    deadline = time.monotonic() + timeout
    while pending and time.monotonic() < deadline and not stopping["signal"]:
        for name, child in list(pending.items()):
            if child.proc.poll() is not None:
                print(f"{name} exited with {child.proc.returncode} while starting")
                return False
            if _http_status(f"{child.url}/readyz") == 200:
                print(f"  {name} ready")
                del pending[name]
        time.sleep(0.2)
    if pending:
        print(f"not ready after {timeout:.0f}s: {', '.join(pending)} (see their logs above)")
        return False
    return not stopping["signal"]


def _print_urls(children: list[_Child], bootstrap: str) -> None:
    print("\nSuara is running:")
    for c in children:
        print(f"  {c.name:<14} {c.url}   API docs {c.url}/docs")
    print(f"  {'broker':<14} {bootstrap}")
    print("Press Ctrl-C to stop everything.")


def _stop_children(children: list[_Child], timeout: float = 25.0) -> None:
    for c in children:
        if c.proc.poll() is None:
            c.proc.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + timeout
    for c in children:
        try:
            c.proc.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            print(f"{c.name} did not stop in {timeout:.0f}s; killing it")
            c.proc.kill()
            c.proc.wait()


def _http_status(url: str) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=1) as resp:  # noqa: S310 - our own localhost
            return resp.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except (OSError, ValueError):
        return None


def _port_free(port: int) -> bool:
    import socket

    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _wait_for_signal(alive) -> None:
    stop = {"flag": False}

    def handler(signum: int, _frame: object) -> None:
        stop["flag"] = True

    signal.signal(signal.SIGINT, handler)
    signal.signal(signal.SIGTERM, handler)
    while not stop["flag"] and alive():
        time.sleep(0.3)


if __name__ == "__main__":
    sys.exit(main())
