"""Process lifecycle: readiness, configuration errors, client disconnects, SIGTERM drain."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import threading
import time
from pathlib import Path
from typing import Any, Callable

import httpx
import pytest

from conftest import ApiKey, Gateway, free_port
from fake_upstream import FakeUpstream
from support import PLAIN_TEXT, STREAM_TEXT, bearer, chat_body, chunk_content, iter_sse

CONFIG_ERROR_TIMEOUT = 30.0  # s for `serve` to give up on a bad config
DISCONNECT_DEADLINE = 2.0  # s from the client giving up to the upstream connection closing
EXIT_AFTER_DRAIN = 5.0  # s from the last in-flight answer to the process exit


def test_healthz_answers_200_without_auth(http: httpx.Client) -> None:
    response = http.get("/healthz")
    assert response.status_code == 200


# ------------------------------------------------------------------ configuration errors


@pytest.mark.parametrize(
    ("config", "field", "line", "with_port"),
    [
        ("# a typo in a field name\nlimits: { max_body_bytes: 65536 }\nserver:\n  host: 127.0.0.1\n  hots: 1\n", "server.hots", 5, True),
        ("# a port that is not a number\nserver:\n  host: 127.0.0.1\n  port: abc\n", "server.port", 4, False),
        ("server: { hots: 1 }\n", "server.hots", 1, True),
    ],
    ids=["unknown-field", "bad-value", "unknown-field-flow-style"],
)
def test_bad_config_stops_serve_naming_the_field_and_line(holysheep_bin: Path, tmp_path: Path, config: str, field: str, line: int, with_port: bool) -> None:
    config_path = tmp_path / "bad.yaml"
    config_path.write_text(config)
    command = [str(holysheep_bin), "serve", "--config", str(config_path), "--storage", f"sqlite:{tmp_path / 'x.db'}"]
    if with_port:
        command += ["--port", str(free_port())]

    proc = subprocess.Popen(command, cwd=tmp_path, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        stdout, stderr = proc.communicate(timeout=CONFIG_ERROR_TIMEOUT)
    except subprocess.TimeoutExpired:
        proc.kill()
        stdout, stderr = proc.communicate(timeout=10)
        pytest.fail(f"`serve` was still running {CONFIG_ERROR_TIMEOUT:.0f} s after starting with a bad config\n--- stderr:\n{stderr[-3000:]}")

    assert proc.returncode != 0, f"`serve` exited 0 with a bad config\n--- stderr:\n{stderr[-3000:]}"
    assert field in stderr, f"stderr does not name the field {field!r}:\n{stderr[-3000:]}"
    assert re.search(rf"\bline {line}\b", stderr), f"stderr does not name 'line {line}':\n{stderr[-3000:]}"


# ------------------------------------------------------------------ client disconnect


@pytest.mark.parametrize("stream", [False, True], ids=["json", "stream"])
def test_client_disconnect_closes_the_upstream_connection(gateway: Gateway, api_key: ApiKey, fake_upstream: FakeUpstream, stream: bool) -> None:
    with httpx.Client(timeout=httpx.Timeout(0.5)) as impatient:
        with pytest.raises(httpx.TimeoutException):
            impatient.post(f"{gateway.base_url}/chat/completions", json=chat_body("[[hang]]", stream=stream), headers=bearer(api_key.secret))
    gave_up = time.monotonic()  # the client's connection is closed when its httpx.Client closes

    request = fake_upstream.wait_for_request(lambda r: "hang" in r.directives, timeout=5)
    assert request is not None, "the [[hang]] request never reached the fake upstream"
    closed = fake_upstream.wait_for(lambda: request.client_closed, timeout=DISCONNECT_DEADLINE + 1)
    assert closed, f"the gateway kept its upstream connection open {DISCONNECT_DEADLINE + 1:.0f} s after the client gave up"
    assert request.client_closed_at is not None
    delay = request.client_closed_at - gave_up
    assert delay <= DISCONNECT_DEADLINE, f"upstream connection closed {delay:.2f} s after the client gave up"


# ------------------------------------------------------------------ SIGTERM drain


def test_sigterm_lets_inflight_requests_finish_then_exits_zero(
    launch_gateway: Callable[..., Gateway], storage_engine: str, fake_upstream: FakeUpstream
) -> None:
    gw = launch_gateway(storage_engine, name="drain")
    key = gw.create_key("e2e-drain")
    results: dict[str, Any] = {}
    first_content = threading.Event()

    def stream() -> None:
        try:
            with httpx.Client(timeout=30) as http:
                with http.stream("POST", f"{gw.base_url}/chat/completions", json=chat_body("[[slow]]", stream=True), headers=bearer(key.secret)) as response:
                    results["stream_status"] = response.status_code
                    results["stream_id"] = response.headers.get("x-request-id")
                    payloads = []
                    for _, data in iter_sse(response):
                        payloads.append(data)
                        if data != "[DONE]" and chunk_content(json.loads(data)):
                            first_content.set()
                    results["stream_payloads"] = payloads
                    results["stream_ended"] = time.monotonic()
        except Exception as e:  # reported below
            results["stream_error"] = repr(e)
        finally:
            first_content.set()

    def completion() -> None:
        try:
            with httpx.Client(timeout=30) as http:
                response = http.post(f"{gw.base_url}/chat/completions", json=chat_body("[[slow]]"), headers=bearer(key.secret))
                results["completion"] = response
                results["completion_ended"] = time.monotonic()
        except Exception as e:
            results["completion_error"] = repr(e)

    threads = [threading.Thread(target=stream, daemon=True), threading.Thread(target=completion, daemon=True)]
    for t in threads:
        t.start()
    assert first_content.wait(15), "the slow stream sent no content chunk within 15 s"
    assert fake_upstream.wait_for(lambda: len(fake_upstream.chat_requests()) == 2, timeout=5), "both requests should be upstream before SIGTERM"

    gw.signal(signal.SIGTERM)
    for t in threads:
        t.join(timeout=20)
    assert not any(t.is_alive() for t in threads), "in-flight requests still running 20 s after SIGTERM"

    assert "stream_error" not in results, f"the stream broke after SIGTERM: {results['stream_error']}"
    assert results["stream_status"] == 200
    payloads = results["stream_payloads"]
    assert payloads and payloads[-1] == "[DONE]", f"the stream did not end with [DONE] after SIGTERM: {payloads[-2:]}"
    assert "".join(chunk_content(json.loads(p)) for p in payloads[:-1]) == STREAM_TEXT
    assert "completion_error" not in results, f"the in-flight completion failed after SIGTERM: {results['completion_error']}"
    assert results["completion"].status_code == 200, results["completion"].text[:500]
    assert results["completion"].json()["choices"][0]["message"]["content"] == PLAIN_TEXT

    last_answer = max(results["stream_ended"], results["completion_ended"])
    try:
        code = gw.wait(timeout=EXIT_AFTER_DRAIN + 10)
    except subprocess.TimeoutExpired:
        pytest.fail(f"the gateway was still running {EXIT_AFTER_DRAIN + 10:.0f} s after draining")
    exited = time.monotonic()
    assert code == 0, f"the gateway exited with code {code} after SIGTERM"
    assert exited - last_answer <= EXIT_AFTER_DRAIN, f"the gateway exited {exited - last_answer:.1f} s after its last answer"

    # Usage is flushed on shutdown: the rows are there once the process is gone.
    stream_row = gw.wait_for_usage(results["stream_id"], timeout=0.5)
    assert stream_row["status"] == 200
    assert stream_row["completion_tokens"] == 6
    completion_row = gw.wait_for_usage(results["completion"].headers["x-request-id"], timeout=0.5)
    assert completion_row["status"] == 200


def _threads(pid: int) -> list[dict[str, Any]]:
    """Each thread's name, policy (0 SCHED_OTHER, 5 SCHED_IDLE), nice value and time slice (ns; None where the
    kernel does not show it)."""
    threads = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        stat = (task / "stat").read_text()
        sched_text = (task / "sched").read_text()
        sched = re.search(r"^se\.slice\s*:\s*(\d+)", sched_text, re.MULTILINE)
        policy = re.search(r"^policy\s*:\s*(\d+)", sched_text, re.MULTILINE)
        threads.append({
            "name": (task / "comm").read_text().strip(),
            "policy": int(policy.group(1)) if policy else None,
            "nice": int(stat.rsplit(")", 1)[1].split()[16]),  # field 19; the fields after the name start at field 3
            "slice": int(sched.group(1)) if sched else None,
        })  # fmt: skip
    return threads


def _kernel_takes_slices() -> bool:
    """Custom time slices for normal threads came with Linux 6.12."""
    major, minor = (int(part) for part in re.match(r"(\d+)\.(\d+)", os.uname().release).groups())
    return (major, minor) >= (6, 12)


def test_serve_started_at_a_nice_value_serves_at_it_and_bookkeeping_yields_or_takes_long_slices(
    launch_gateway: Callable[..., Gateway],
) -> None:
    """`nice -n 5 holysheep serve`: the event loops that serve requests run at nice 5 (they once ran at whatever the
    thread that first used them had). Of the bookkeeping threads, the storage thread and SQLite's two yield
    (SCHED_IDLE) while the host has room, when the process may leave SCHED_IDLE again (root here); the thread that runs
    video workers, webhooks and key refresh never does. A fair bookkeeping thread runs at nice 5 with the kernel's
    longest time slice, so requests preempt it. `HOLYSHEEP_BACKGROUND_YIELD=0` keeps all of them fair. Thread names are
    NIO's."""
    for yielding_allowed in (True, False):
        gw = launch_gateway("sqlite", name=f"nice-{yielding_allowed}", start=False)
        plain = gw.serve_command
        gw.serve_command = lambda plain=plain: ["nice", "-n", "5", *plain()]  # type: ignore[method-assign]
        if not yielding_allowed:
            gw.env["HOLYSHEEP_BACKGROUND_YIELD"] = "0"
        gw.start()
        expected_yielding = 3 if yielding_allowed and os.geteuid() == 0 else 0
        deadline = time.monotonic() + 10  # an idle host: the storage threads yield (or go back to it within seconds)
        while True:
            threads = _threads(gw.proc.pid)
            loops = [t for t in threads if t["name"].startswith("NIO-SGLTN")]
            bookkeeping = [t for t in threads if t["name"].startswith(("NIO-ELT", "TP-#"))]
            fair = [t for t in bookkeeping if t["policy"] == 0]
            yielding = [t for t in bookkeeping if t["policy"] == 5]
            if len(yielding) == expected_yielding or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        # Two background loops (storage; workers, webhooks and keys) and SQLite's two threads.
        assert len(loops) >= 1 and len(bookkeeping) == 4, threads
        assert len(yielding) == expected_yielding and len(fair) == 4 - expected_yielding, threads
        assert all(t["nice"] == 5 for t in loops + fair), threads
        if _kernel_takes_slices() and all(t["slice"] is not None for t in loops + fair):
            assert all(t["slice"] == 100_000_000 for t in fair), threads
            assert all(t["slice"] < 100_000_000 for t in loops), threads
        gw.stop()
