"""Webhooks: the signing secret on the CLI, `webhooks list` / `replay`, and a signed delivery verified with the
`standardwebhooks` Python package.

The video jobs that enqueue events are built in parallel: until they land, these tests put a delivery row in
the outbox directly (``insert_delivery`` — a STAND-IN for the job-finish transaction, which writes the same row
through ``WebhookOutbox.enqueue``). The video job tests exercise the real path.
"""

from __future__ import annotations

import json
import re
import secrets
import sqlite3
import threading
import time
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Iterator, Optional

import pytest
from standardwebhooks.webhooks import Webhook

from conftest import Gateway, Storage, _sql_literal, config_yaml

SECRET_RE = re.compile(r"whsec_[A-Za-z0-9+/]{43}=")
DELIVERY_TIMEOUT = 15.0  # s: first attempt within ~1 s (poll), first retry 5 s (±10 %) after a failure


def insert_delivery(storage: Storage, *, key_id: str, url: str, data: dict[str, Any], status: str = "pending", attempts: int = 0,
                    event_type: str = "video.generation.completed") -> tuple[str, str]:
    """STAND-IN for ``WebhookOutbox.enqueue`` in a job's finish transaction: one outbox row, due now.
    Returns (webhook id, payload)."""
    webhook_id = "msg_" + secrets.token_hex(12)
    now = datetime.now(timezone.utc)
    stamp = now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"
    payload = json.dumps({"type": event_type, "timestamp": stamp, "data": data}, separators=(",", ":"))
    millis = int(now.timestamp() * 1000)
    sql = (
        "INSERT INTO webhook_deliveries (id, key_id, event_type, url, payload, status, attempts, next_attempt_at, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
    )
    params = [webhook_id, key_id, event_type, url, payload, status, attempts, millis, millis]
    if storage.engine == "sqlite":
        conn = sqlite3.connect(str(storage.path), timeout=10)  # type: ignore[attr-defined]
        try:
            with conn:
                conn.execute(sql, params)
        finally:
            conn.close()
    else:
        pieces = sql.split("?")
        bound = pieces[0] + "".join(_sql_literal(p) + rest for p, rest in zip(params, pieces[1:]))
        storage.server.psql(storage.url, bound)  # type: ignore[attr-defined]
    return webhook_id, payload


class Receiver:
    """A webhook receiver on 127.0.0.1: answers the n-th delivery (0-based) with ``statuses[n]`` (the last one after)."""

    def __init__(self, statuses: list[int]):
        self.statuses = statuses
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                with receiver.lock:
                    receiver.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
                    index = len(receiver.received) - 1
                status = receiver.statuses[min(index, len(receiver.statuses) - 1)]
                self.send_response(status)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks/video"

    def wait_for(self, count: int, timeout: float = DELIVERY_TIMEOUT) -> list[tuple[dict[str, str], bytes]]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.received) >= count:
                    return list(self.received)
            time.sleep(0.05)
        with self.lock:
            raise AssertionError(f"the receiver got {len(self.received)} deliveries in {timeout} s, expected {count}")


@pytest.fixture
def receiver_factory() -> Iterator[Callable[[list[int]], Receiver]]:
    made: list[Receiver] = []

    def make(statuses: list[int]) -> Receiver:
        receiver = Receiver(statuses)
        receiver.thread.start()
        made.append(receiver)
        return receiver

    yield make
    for receiver in made:
        receiver.server.shutdown()
        receiver.server.server_close()


def webhook_secret(gateway: Gateway, key_id: str, *extra: str) -> str:
    out = gateway.cli("keys", "webhook-secret", key_id, *extra, "--storage", gateway.storage.url).stdout.strip()
    assert SECRET_RE.fullmatch(out), f"`keys webhook-secret` printed {out!r}, not a whsec_ secret alone"
    return out


def test_keys_create_prints_the_webhook_secret_before_the_key_and_webhook_secret_shows_and_rotates_it(gateway: Gateway) -> None:
    key = gateway.create_key("e2e-webhook-secret", wait_active=False)
    lines = key.stdout.rstrip("\n").splitlines()
    assert lines[-1] == key.secret, "the key must stay alone on the last line"
    shown = [line for line in lines if line.startswith("Webhook secret: ")]
    assert len(shown) == 1, f"`keys create` printed no 'Webhook secret: whsec_…' line:\n{key.stdout}"
    secret = shown[0].removeprefix("Webhook secret: ")
    assert SECRET_RE.fullmatch(secret)

    assert webhook_secret(gateway, key.id) == secret
    rotated = webhook_secret(gateway, key.id, "--rotate")
    assert rotated != secret
    assert webhook_secret(gateway, key.id) == rotated

    unknown = gateway.cli("keys", "webhook-secret", "key_nope", "--storage", gateway.storage.url, check=False)
    assert unknown.returncode != 0 and "key_nope" in unknown.stderr


def test_webhooks_list_filters_and_replay_requeues_with_the_same_id(launch_gateway: Callable[..., Gateway], storage_engine: str) -> None:
    # No server runs on this storage, so nothing delivers the rows behind the test's back.
    gw = launch_gateway(storage_engine, name="webhooks-cli", start=False)
    key = gw.create_key("e2e-webhooks-list")
    other = gw.create_key("e2e-webhooks-other")
    failed_id, _ = insert_delivery(gw.storage, key_id=key.id, url="https://hooks.example.com/video", data={"id": "vid_a"}, status="failed", attempts=8)
    pending_id, _ = insert_delivery(gw.storage, key_id=key.id, url="https://hooks.example.com/video", data={"id": "vid_b"})
    other_id, _ = insert_delivery(gw.storage, key_id=other.id, url="https://other.example.com/h", data={"id": "vid_c"})

    def listed(*args: str) -> str:
        return gw.cli("webhooks", "list", "--storage", gw.storage.url, *args).stdout

    everything = listed()
    assert everything.splitlines()[0].split()[:3] == ["ID", "KEY", "EVENT"]
    for webhook_id in (failed_id, pending_id, other_id):
        assert webhook_id in everything
    mine = listed("--key", key.id)
    assert failed_id in mine and pending_id in mine and other_id not in mine
    failed = listed("--status", "failed")
    assert failed_id in failed and pending_id not in failed
    row = next(line for line in failed.splitlines() if line.startswith(failed_id))
    assert "video.generation.completed" in row and "failed" in row and " 8 " in row
    assert len(listed("--limit", "1").splitlines()) == 2
    bad = gw.cli("webhooks", "list", "--storage", gw.storage.url, "--status", "lost", check=False)
    assert bad.returncode != 0 and "pending, delivered or failed" in bad.stderr

    replayed = gw.cli("webhooks", "replay", failed_id, "--storage", gw.storage.url).stdout
    assert failed_id in replayed and "attempt 9" in replayed
    [stored] = gw.storage.query("SELECT status, attempts FROM webhook_deliveries WHERE id = ?", [failed_id])
    assert stored["status"] == "pending" and stored["attempts"] == 8
    assert failed_id in listed("--status", "pending")

    missing = gw.cli("webhooks", "replay", "msg_nope", "--storage", gw.storage.url, check=False)
    assert missing.returncode != 0 and "msg_nope" in missing.stderr


def test_a_delivery_is_signed_verifiably_and_retried_with_the_same_id(
    launch_gateway: Callable[..., Gateway], storage_engine: str, receiver_factory: Callable[[list[int]], Receiver]
) -> None:
    receiver = receiver_factory([500, 204])  # fails once, then accepts: the first retry comes 5 s later
    gw = launch_gateway(
        storage_engine,
        name="webhooks-delivery",
        config_text=lambda upstream, storage: config_yaml(upstream, storage) + "webhooks: { allow_private_targets: true, timeout_seconds: 5 }\n",
    )
    key = gw.create_key("e2e-webhooks-delivery", wait_active=False)
    secret = webhook_secret(gw, key.id)
    job = {"id": "vid_e2e", "object": "video", "status": "completed", "model": "previz"}
    webhook_id, payload = insert_delivery(gw.storage, key_id=key.id, url=receiver.url, data=job)

    deliveries = receiver.wait_for(2)
    assert len(deliveries) == 2
    verifier = Webhook(secret)
    for headers, body in deliveries:
        assert headers["webhook-id"] == webhook_id
        assert headers["content-type"] == "application/json"
        assert headers["user-agent"] == "HolySheep-Webhooks/1"
        assert body.decode() == payload
        event = verifier.verify(body, headers)
        assert event == {"type": "video.generation.completed", "timestamp": json.loads(payload)["timestamp"], "data": job}
    with pytest.raises(Exception):
        Webhook(webhook_secret(gw, key.id, "--rotate")).verify(deliveries[0][1], deliveries[0][0])

    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        [row] = gw.storage.query("SELECT status, attempts, last_status FROM webhook_deliveries WHERE id = ?", [webhook_id])
        if row["status"] == "delivered":
            break
        time.sleep(0.05)
    assert row == {"status": "delivered", "attempts": 2, "last_status": 204}
    attempts = gw.storage.query("SELECT attempt, status_code FROM webhook_attempts WHERE delivery_id = ? ORDER BY attempt", [webhook_id])
    assert attempts == [{"attempt": 1, "status_code": 500}, {"attempt": 2, "status_code": 204}]


def wait_for_status(storage: Storage, webhook_id: str, status: str, timeout: float = DELIVERY_TIMEOUT) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        [row] = storage.query("SELECT status, attempts, last_status, last_error FROM webhook_deliveries WHERE id = ?", [webhook_id])
        if row["status"] == status or time.monotonic() > deadline:
            return row
        time.sleep(0.05)


def test_an_event_queued_while_no_server_runs_is_delivered_once_one_starts(
    launch_gateway: Callable[..., Gateway], storage_engine: str, receiver_factory: Callable[[list[int]], Receiver]
) -> None:
    receiver = receiver_factory([200])
    gw = launch_gateway(
        storage_engine,
        name="webhooks-restart",
        start=False,
        config_text=lambda upstream, storage: config_yaml(upstream, storage) + "webhooks: { allow_private_targets: true }\n",
    )
    key = gw.create_key("e2e-webhooks-restart", wait_active=False)
    webhook_id, payload = insert_delivery(gw.storage, key_id=key.id, url=receiver.url, data={"id": "vid_r"}, event_type="video.generation.failed")
    time.sleep(0.5)
    assert receiver.received == []
    gw.start()
    [(headers, body)] = receiver.wait_for(1)
    assert headers["webhook-id"] == webhook_id and body.decode() == payload
    Webhook(webhook_secret(gw, key.id)).verify(body, headers)
    assert wait_for_status(gw.storage, webhook_id, "delivered")["status"] == "delivered"


def test_a_loopback_callback_is_refused_at_delivery_when_private_targets_are_not_allowed(
    gateway: Gateway, receiver_factory: Callable[[list[int]], Receiver]
) -> None:
    receiver = receiver_factory([200])
    key = gateway.create_key("e2e-webhooks-private", wait_active=False)
    webhook_id, _ = insert_delivery(gateway.storage, key_id=key.id, url=receiver.url, data={"id": "vid_p"})
    row = wait_for_status(gateway.storage, webhook_id, "failed")
    assert row["status"] == "failed" and row["attempts"] == 1 and row["last_status"] is None
    assert "not a public internet address" in row["last_error"] and "allow_private_targets" in row["last_error"]
    assert receiver.received == []
