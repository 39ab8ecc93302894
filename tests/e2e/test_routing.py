"""Routing under faults: retries, fallback, circuit breakers, timeouts, weights, metrics.

Every test starts a gateway of its own (``ROUTING_CONFIG``: two fake upstreams ``a`` and ``b``
and an unreachable provider ``dead``), because breakers are shared by every model that uses a
deployment and would carry failures from one test into the next. The fakes are scripted
(``fake.script([...])``) so that each test says exactly what each upstream answers, then
checks what the client saw, how many requests each fake received, which deployment answered
and what the usage row recorded.

Timing bounds follow the configuration: retries 1, backoff 10-50 ms, Retry-After honoured up
to 2 s, first byte within 1 s, breaker opening after 3 consecutive failures for 1 s.
"""

from __future__ import annotations

import dataclasses
import json
import re
import time
import uuid
from typing import Any, Callable, Iterator, Optional

import httpx
import openai
import pytest

from conftest import ApiKey, Gateway, GatewayLauncher, Storage
from fake_upstream import FakeUpstream, RecordedRequest
from support import MODEL, PLAIN_TEXT, UPSTREAM_KEY, SSEDataCollector, assert_openai_error, bearer, chunk_content, load_json_fixture, user

REFUSED_FIRST = "refused-first"
WEIGHTED = "weighted"
A = "a/gpt-a"  # deployment labels: provider/model
B = "b/gpt-b"
DEAD = "dead/x"

FIRST_BYTE_TIMEOUT = 1.0  # routing.timeouts.first_byte_seconds
MAX_RETRY_AFTER = 2.0  # routing.max_retry_after_seconds
COOLDOWN = 1.0  # routing.breaker.cooldown_seconds
SLACK = 0.5  # s allowed for scheduling on a busy 2-core machine, on top of a configured time
NO_MORE_REQUESTS_WAIT = 0.3  # s to watch a fake for a request that must not come
CLIENT_TIMEOUT = 10.0  # s for any one call (routing.timeouts.total_seconds)


def routing_config(a_url: str, b_url: str, storage_url: str) -> str:
    return f"""\
# HolySheep routing test configuration (written by tests/e2e/test_routing.py)
server:  {{ host: 127.0.0.1, port: 8080 }}
storage: {{ url: "{storage_url}" }}
routing:
  retries: 1
  backoff_base_ms: 10
  backoff_max_ms: 50
  max_retry_after_seconds: 2
  timeouts: {{ first_byte_seconds: 1, total_seconds: 10 }}
  breaker: {{ failure_threshold: 3, cooldown_seconds: 1, min_requests: 1000 }}
providers:
  - {{ name: a, kind: openai, base_url: "{a_url}", api_key_env: FAKE_UPSTREAM_KEY }}
  - {{ name: b, kind: openai, base_url: "{b_url}", api_key_env: FAKE_UPSTREAM_KEY }}
  - {{ name: dead, kind: openai, base_url: "http://127.0.0.1:9/v1" }}
models:
  - name: gpt-4.1        # A first (weight 1), B only as fallback (weight 0 is never drawn first)
    price: {{ input_per_mtok: 8, output_per_mtok: 8 }}
    deployments: [ {{ provider: a, model: gpt-a, weight: 1 }}, {{ provider: b, model: gpt-b, weight: 0 }} ]
  - name: refused-first
    price: {{ input_per_mtok: 1, output_per_mtok: 1 }}
    deployments: [ {{ provider: dead, model: x, weight: 1 }}, {{ provider: b, model: gpt-b, weight: 0 }} ]
  - name: weighted
    price: {{ input_per_mtok: 1, output_per_mtok: 1 }}
    deployments: [ {{ provider: a, model: gpt-a, weight: 3 }}, {{ provider: b, model: gpt-b, weight: 1 }} ]
"""


# =========================================================================== fixture


@dataclasses.dataclass
class Routed:
    """A gateway on ROUTING_CONFIG with a key, an SDK client and its two fake upstreams."""

    gateway: Gateway
    key: ApiKey
    client: openai.OpenAI
    a: FakeUpstream
    b: FakeUpstream

    def chat(self, text: str = "Say hello", model: str = MODEL, **kwargs: Any) -> tuple[Any, str, float]:
        """A successful non-streamed call: (completion, request id, seconds taken)."""
        started = time.monotonic()
        raw = self.client.chat.completions.with_raw_response.create(model=model, messages=user(text), **kwargs)
        completion = raw.parse()
        return completion, raw.headers["x-request-id"], time.monotonic() - started

    def failing_chat(
        self, expected: type[openai.APIStatusError], text: str = "Say hello", model: str = MODEL, **kwargs: Any
    ) -> tuple[openai.APIStatusError, str, float]:
        """A call that must fail with ``expected``: (the SDK's error, request id, seconds taken)."""
        started = time.monotonic()
        with pytest.raises(expected) as excinfo:
            self.client.chat.completions.create(model=model, messages=user(text), **kwargs)
        error = excinfo.value
        return error, error.response.headers["x-request-id"], time.monotonic() - started

    def models(self) -> dict[str, Any]:
        with httpx.Client(timeout=10) as http:
            response = http.get(f"{self.gateway.base_url}/models", headers=bearer(self.key.secret))
        assert response.status_code == 200, f"GET /v1/models -> {response.status_code}: {response.text[:500]}"
        return {entry["id"]: entry for entry in response.json()["data"]}

    def health(self, model: str = MODEL) -> dict[str, str]:
        """``{deployment label: health}`` of one model in GET /v1/models."""
        entry = self.models()[model]
        return {f"{d['provider']}/{d['model']}": d["health"] for d in entry["deployments"]}

    def metrics(self) -> str:
        with httpx.Client(timeout=10) as http:
            response = http.get(f"{self.gateway.url}/metrics")  # no auth: scraped by Prometheus
        assert response.status_code == 200, f"GET /metrics -> {response.status_code}: {response.text[:500]}"
        return response.text


@pytest.fixture(scope="module")
def routing_storage(launcher: GatewayLauncher, storage_engine: str) -> Iterator[tuple[Storage, ApiKey]]:
    """One storage per engine for this module's gateways, with a key made once (a gateway
    loads the keys when it starts). Usage rows are told apart by request id."""
    keeper = launcher.make(storage_engine, name="routing-storage")
    keeper.owns_storage = False
    try:
        key = keeper.create_key("e2e-routing", wait_active=False)
        yield keeper.storage, key
    finally:
        launcher.dispose(keeper)
        keeper.storage.dispose()


@pytest.fixture
def routed(
    launch_gateway: Callable[..., Gateway],
    storage_engine: str,
    routing_storage: tuple[Storage, ApiKey],
    fake_upstream: FakeUpstream,
    fake_upstream_b: FakeUpstream,
) -> Routed:
    """A fresh gateway per test: breaker state must not leak from one test into another."""
    storage, key = routing_storage
    gw = launch_gateway(
        storage_engine,
        name="routing",
        storage=storage,
        config_text=lambda a_url, storage_url: routing_config(a_url, fake_upstream_b.base_url, storage_url),
    )
    return Routed(gw, key, gw.openai(key, timeout=CLIENT_TIMEOUT), fake_upstream, fake_upstream_b)


# =========================================================================== helpers


def chats(fake: FakeUpstream) -> list[RecordedRequest]:
    return fake.chat_requests()


def models_received(fake: FakeUpstream) -> list[Optional[str]]:
    return [r.model for r in fake.chat_requests()]


def assert_requests(fake: FakeUpstream, expected: int, why: str) -> None:
    got = chats(fake)
    assert len(got) == expected, f"{fake.name} received {len(got)} chat requests, expected {expected} ({why}):\n" + "\n".join(r.summary() for r in got)


def assert_no_more_requests(fake: FakeUpstream, count: int, why: str) -> None:
    """``fake`` stays at ``count`` requests for a short while (nothing retried late)."""
    late = fake.wait_for(lambda: len(fake.chat_requests()) > count, timeout=NO_MORE_REQUESTS_WAIT)
    assert not late, f"{fake.name} received a request after the call ended ({why}):\n" + "\n".join(r.summary() for r in fake.chat_requests())


def assert_usage(gw: Gateway, request_id: str, *, deployment: str, attempts: int, status: int) -> dict[str, Any]:
    row = gw.wait_for_usage(request_id)
    got = {"deployment": row["deployment"], "attempts": row["attempts"], "status": row["status"]}
    expected = {"deployment": deployment, "attempts": attempts, "status": status}
    assert got == expected, f"usage row of {request_id}: {got}, expected {expected} (whole row: {row})"
    return row


def answer_text(completion: Any) -> str:
    return completion.choices[0].message.content



# -- Prometheus text -------------------------------------------------------------------

_SAMPLE_RE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$")
_LABEL_RE = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def metric_samples(text: str) -> list[tuple[str, dict[str, str], float]]:
    samples = []
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        match = _SAMPLE_RE.match(line.strip())
        assert match, f"not a Prometheus sample line: {line!r}"
        labels = dict(_LABEL_RE.findall(match.group(2) or ""))
        samples.append((match.group(1), labels, float(match.group(3))))
    return samples


def metric(text: str, name: str, **labels: str) -> Optional[float]:
    """The sum of the samples of ``name`` whose labels include ``labels``; None if there is none."""
    values = [value for n, ls, value in metric_samples(text) if n == name and all(ls.get(k) == v for k, v in labels.items())]
    return sum(values) if values else None


def metric_lines(text: str, name: str) -> str:
    return "\n".join(line for line in text.splitlines() if line.startswith(name)) or f"(no {name} samples)"


def assert_metric(text: str, name: str, expected: float, **labels: str) -> None:
    got = metric(text, name, **labels)
    assert got == expected, f"{name}{labels} is {got}, expected {expected}; exposed:\n{metric_lines(text, name)}"


# =========================================================================== retries and fallback


def test_connection_refused_is_retried_once_then_falls_back_to_the_next_deployment(routed: Routed) -> None:
    completion, request_id, _ = routed.chat(model=REFUSED_FIRST)

    assert answer_text(completion) == PLAIN_TEXT
    assert models_received(routed.b) == ["gpt-b"], "B should answer once the refusing deployment was tried twice"
    assert_requests(routed.a, 0, "A is not a deployment of refused-first")
    assert_usage(routed.gateway, request_id, deployment=B, attempts=3, status=200)


@pytest.mark.parametrize("behaviour", ["close", "reset_mid_stream"], ids=["closed", "reset"])
def test_connection_dropped_before_the_response_is_retried_then_falls_back(routed: Routed, behaviour: str) -> None:
    # ``close``: a FIN without any response; ``reset_mid_stream`` on a non-stream call: an RST without any response.
    routed.a.script([behaviour, behaviour])

    completion, request_id, _ = routed.chat()

    assert answer_text(completion) == PLAIN_TEXT
    assert_requests(routed.a, 2, "a dropped connection is retried once")
    assert all(r.dropped for r in routed.a.chat_requests())
    assert models_received(routed.b) == ["gpt-b"]
    assert_usage(routed.gateway, request_id, deployment=B, attempts=3, status=200)


def test_persistent_500_is_retried_once_then_falls_back_to_b(routed: Routed) -> None:
    routed.a.script(["status:500", "status:500"])

    completion, request_id, _ = routed.chat()

    assert answer_text(completion) == PLAIN_TEXT
    assert models_received(routed.a) == ["gpt-a", "gpt-a"], "A should get the call and one retry"
    assert models_received(routed.b) == ["gpt-b"], "B should answer as the fallback, with its own model name"
    assert_usage(routed.gateway, request_id, deployment=B, attempts=3, status=200)


def test_single_503_is_retried_on_the_same_deployment_which_then_answers(routed: Routed) -> None:
    routed.a.script(["status:503", "ok"])

    completion, request_id, _ = routed.chat()

    assert answer_text(completion) == PLAIN_TEXT
    assert_requests(routed.a, 2, "the 503 and its retry")
    assert routed.a.chat_requests()[-1].status == 200, "the retry on A should be the answer"
    assert_requests(routed.b, 0, "A answered the retry: no fallback")
    assert_usage(routed.gateway, request_id, deployment=A, attempts=2, status=200)


def test_429_with_retry_after_1_waits_it_out_then_retries_the_same_deployment(routed: Routed) -> None:
    routed.a.script(["status:429:retry_after=1", "ok"])

    completion, request_id, took = routed.chat()

    assert answer_text(completion) == PLAIN_TEXT
    assert_requests(routed.a, 2, "the 429 and its retry")
    first, second = routed.a.chat_requests()
    gap = second.received_at - first.received_at
    assert gap >= 1.0, f"the retry reached A {gap:.3f} s after the 429: Retry-After: 1 was not honoured"
    assert gap <= 1.0 + SLACK, f"the retry reached A {gap:.3f} s after a 429 with Retry-After: 1"
    assert took >= 1.0, f"the call took {took:.3f} s, less than the Retry-After of 1 s"
    assert_requests(routed.b, 0, "A answered the retry: no fallback")
    assert_usage(routed.gateway, request_id, deployment=A, attempts=2, status=200)


def test_429_with_retry_after_over_the_maximum_falls_back_at_once(routed: Routed) -> None:
    routed.a.script(["status:429:retry_after=5"])

    completion, request_id, took = routed.chat()

    assert answer_text(completion) == PLAIN_TEXT
    assert_requests(routed.a, 1, "Retry-After 5 s is over max_retry_after_seconds (2): no retry on A")
    assert models_received(routed.b) == ["gpt-b"]
    assert took < 1.0, f"the call took {took:.2f} s: the gateway waited instead of falling back at once"
    assert_usage(routed.gateway, request_id, deployment=B, attempts=2, status=200)


def test_hang_before_headers_times_out_after_first_byte_seconds_is_retried_then_falls_back(routed: Routed) -> None:
    routed.a.script(["hang", "hang"])

    completion, request_id, took = routed.chat()

    assert answer_text(completion) == PLAIN_TEXT
    assert took < 4.0, f"the call took {took:.2f} s (two 1 s first-byte timeouts, then B)"
    assert took >= 2 * FIRST_BYTE_TIMEOUT - 0.1, f"the call took {took:.2f} s: less than two first-byte timeouts of 1 s"
    assert_requests(routed.a, 2, "the first attempt and one retry, each timing out")
    for request in routed.a.chat_requests():
        closed = routed.a.wait_for(lambda: request.client_closed, timeout=1.0)
        assert closed, f"the gateway did not close its connection to A after the first-byte timeout: {request.summary()}"
        assert request.client_closed_at is not None
        waited = request.client_closed_at - request.received_at
        assert FIRST_BYTE_TIMEOUT - 0.1 <= waited <= FIRST_BYTE_TIMEOUT + SLACK, f"A's connection was closed {waited:.2f} s after the request, not ~1 s"
    assert models_received(routed.b) == ["gpt-b"]
    assert_usage(routed.gateway, request_id, deployment=B, attempts=3, status=200)


def test_slow_first_byte_under_the_timeout_is_waited_for_without_retry(routed: Routed) -> None:
    routed.a.script(["delay_head:300"])

    completion, request_id, took = routed.chat()

    assert answer_text(completion) == PLAIN_TEXT
    assert took >= 0.3, f"the call took {took:.3f} s, less than A's 300 ms delay"
    assert_requests(routed.a, 1, "300 ms is under first_byte_seconds: no retry")
    assert_requests(routed.b, 0, "A answered")
    assert_usage(routed.gateway, request_id, deployment=A, attempts=1, status=200)


def test_malformed_json_answer_is_retried_then_falls_back(routed: Routed) -> None:
    routed.a.script(["malformed_json", "malformed_json"])

    completion, request_id, _ = routed.chat()

    assert answer_text(completion) == PLAIN_TEXT
    assert_requests(routed.a, 2, "a 200 whose body is not JSON is retryable")
    assert models_received(routed.b) == ["gpt-b"]
    assert_usage(routed.gateway, request_id, deployment=B, attempts=3, status=200)


def test_non_json_content_type_is_retried_then_falls_back(routed: Routed) -> None:
    routed.a.script(["content_type:text/html", "content_type:text/html"])

    completion, request_id, _ = routed.chat()

    assert answer_text(completion) == PLAIN_TEXT
    assert_requests(routed.a, 2, "a 200 text/html answer to a JSON call is retryable")
    assert models_received(routed.b) == ["gpt-b"]
    assert_usage(routed.gateway, request_id, deployment=B, attempts=3, status=200)


def test_upstream_client_errors_are_passed_on_at_once_without_retry_or_fallback(routed: Routed) -> None:
    cases = [
        (400, openai.BadRequestError, load_json_fixture("error_400_invalid_request_error.json")["error"]["message"]),
        (404, openai.NotFoundError, load_json_fixture("error_404_model_not_found.json")["error"]["message"]),
        (422, openai.UnprocessableEntityError, "The fake upstream answered HTTP 422."),
    ]
    request_ids = {}
    for seen, (status, error_type, upstream_message) in enumerate(cases, start=1):
        routed.a.script([f"status:{status}"])

        error, request_ids[status], _ = routed.failing_chat(error_type)

        body = assert_openai_error(error.response, status)
        assert upstream_message in body["message"], f"the upstream's {status} message was lost: {body['message']!r}"
        assert_requests(routed.a, seen, f"an upstream {status} is not retried")
        assert_requests(routed.b, 0, f"an upstream {status} is not a reason to fall back")
    assert_no_more_requests(routed.b, 0, "no fallback after a client error")
    for status, request_id in request_ids.items():
        assert_usage(routed.gateway, request_id, deployment=A, attempts=1, status=status)


def test_upstream_401_and_403_are_502_upstream_auth_failed_without_retry(routed: Routed) -> None:
    request_ids = []
    for seen, status in enumerate((401, 403), start=1):
        routed.a.script([f"status:{status}"])

        error, request_id, _ = routed.failing_chat(openai.InternalServerError)
        request_ids.append(request_id)

        body = assert_openai_error(error.response, 502, "upstream_auth_failed")
        for needle in ("a", A):
            assert re.search(rf"(?<![\w/]){re.escape(needle)}(?![\w/])", body["message"]), f"the message does not name {needle!r}: {body['message']!r}"
        for secret in (UPSTREAM_KEY, routed.key.secret):
            assert secret not in error.response.text, f"the error leaks a key: {error.response.text!r}"
        assert_requests(routed.a, seen, f"an upstream {status} is not retried")
        assert_requests(routed.b, 0, f"an upstream {status} returns at once, no fallback")
    for request_id in request_ids:
        assert_usage(routed.gateway, request_id, deployment=A, attempts=1, status=502)


def test_when_every_deployment_fails_the_client_gets_the_last_error(routed: Routed) -> None:
    routed.a.script(["status:500", "status:500"])
    routed.b.script(["status:503", "status:503"])

    error, request_id, _ = routed.failing_chat(openai.InternalServerError)

    body = assert_openai_error(error.response, 503)
    b_message = load_json_fixture("error_503_overloaded.json")["error"]["message"]
    assert b_message in body["message"], f"the client did not get B's (the last) error: {body['message']!r}"
    assert models_received(routed.a) == ["gpt-a", "gpt-a"]
    assert models_received(routed.b) == ["gpt-b", "gpt-b"]
    assert_usage(routed.gateway, request_id, deployment=B, attempts=4, status=503)


# =========================================================================== streams


def test_stream_reset_mid_way_ends_with_an_upstream_stream_interrupted_event_without_retry(routed: Routed) -> None:
    routed.a.script(["reset_mid_stream", "reset_mid_stream"])

    # 1. The SDK: the two content chunks, then the error event raised as an APIError.
    stream = routed.client.chat.completions.create(model=MODEL, messages=user("Say hello"), stream=True)
    sdk_request_id = stream.response.headers["x-request-id"]
    chunks = []
    raised: Optional[Exception] = None
    try:
        for chunk in stream:
            chunks.append(chunk)
    except openai.APIError as e:
        raised = e
    content = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert content == "Hello,", f"the client should get the two content chunks A sent before the reset, got {content!r}"
    assert raised is not None, f"the stream ended without an error after the upstream reset ({len(chunks)} chunks)"
    assert type(raised) is openai.APIError and isinstance(raised.body, dict), (
        f"the stream did not end with an error event but with {type(raised).__name__}: {raised!r} (cause: {raised.__cause__!r})"
    )
    assert raised.body.get("code") == "upstream_stream_interrupted", f"error event: {raised.body!r}"
    assert_requests(routed.a, 1, "bytes already reached the client: no retry")

    # 2. The raw events: the error event is the last one, in HolySheep's error shape, and no [DONE].
    with routed.client.chat.completions.with_streaming_response.create(model=MODEL, messages=user("Say hello"), stream=True) as response:
        assert response.http_response.status_code == 200
        raw_request_id = response.headers["x-request-id"]
        collector = SSEDataCollector()
        payloads = [data for line in response.iter_lines() if (data := collector.feed(line)) is not None]
        if (last := collector.finish()) is not None:
            payloads.append(last)
    assert payloads, "no SSE event at all"
    assert "[DONE]" not in payloads, f"an interrupted stream must not end with [DONE]: {payloads[-2:]}"
    final = json.loads(payloads[-1])
    assert final.get("error_code") == 502 and isinstance(final.get("error"), dict), f"last event is not a 502 error: {payloads[-1]}"
    assert final["error"].get("code") == "upstream_stream_interrupted", f"last event: {payloads[-1]}"
    assert A in final["error"].get("message", ""), f"the error does not name the deployment: {payloads[-1]}"
    assert "".join(chunk_content(json.loads(p)) for p in payloads[:-1]) == "Hello,"

    assert_requests(routed.a, 2, "one request per stream, no retry")
    assert_no_more_requests(routed.b, 0, "no fallback once the stream started")
    for request_id in (sdk_request_id, raw_request_id):
        assert_usage(routed.gateway, request_id, deployment=A, attempts=1, status=502)


def test_client_disconnect_cancels_the_upstream_call_without_retry_or_fallback(routed: Routed) -> None:
    routed.a.script(["hang"])
    request_id = f"req_e2e_disconnect_{uuid.uuid4().hex[:8]}"
    impatient = routed.gateway.openai(routed.key, timeout=0.3)

    with pytest.raises(openai.APITimeoutError):
        impatient.chat.completions.create(model=MODEL, messages=user("Say hello"), extra_headers={"x-request-id": request_id})
    impatient.close()
    gave_up = time.monotonic()

    request = routed.a.wait_for_request(lambda r: r.is_chat, timeout=2)
    assert request is not None, "the call never reached A"
    assert routed.a.wait_for(lambda: request.client_closed, timeout=2), f"the gateway kept A's connection open after the client left: {request.summary()}"
    assert request.client_closed_at is not None
    assert request.client_closed_at - gave_up <= 0.5, f"A's connection closed {request.client_closed_at - gave_up:.2f} s after the client left"
    assert request.client_closed_at - request.received_at < FIRST_BYTE_TIMEOUT, "A's connection was closed by the first-byte timeout, not by the client leaving"
    # Past the point where a first-byte timeout would have led to a retry, then a fallback:
    time.sleep(max(0.0, request.received_at + FIRST_BYTE_TIMEOUT + 0.3 - time.monotonic()))
    assert_requests(routed.a, 1, "a call the client abandoned is not retried")
    assert_requests(routed.b, 0, "a call the client abandoned does not fall back")
    row = routed.gateway.wait_for_usage(request_id)
    assert (row["deployment"], row["attempts"]) == (A, 1), f"usage row of the abandoned call: {row}"


# =========================================================================== circuit breaker


def test_breaker_opens_after_3_failed_attempts_skips_the_deployment_then_a_probe_closes_it(routed: Routed) -> None:
    routed.a.script(["status:500"] * 3)

    # Call 1: two failed attempts on A (2 consecutive failures), B answers.
    _, first_id, _ = routed.chat()
    assert routed.health() == {A: "closed", B: "closed"}, "2 failures are under failure_threshold 3"
    # Call 2: the third failure opens A's breaker; its retry is skipped and B answers.
    _, second_id, _ = routed.chat()
    assert_requests(routed.a, 3, "two attempts in call 1, one in call 2 (then the breaker is open)")
    opened = routed.a.chat_requests()[-1].finished_at
    assert opened is not None

    assert routed.health() == {A: "open", B: "closed"}, "GET /v1/models should show A open after 3 consecutive failures"
    assert routed.health(WEIGHTED)[A] == "open", "the breaker belongs to the deployment, shared by every model using it"
    assert_metric(routed.metrics(), "holysheep_breaker_state", 2, deployment=A)

    # While open, calls skip A entirely.
    skipped_ids = []
    for _ in range(3):
        completion, request_id, _ = routed.chat()
        assert answer_text(completion) == PLAIN_TEXT
        skipped_ids.append(request_id)
    skipped_until = time.monotonic()
    assert skipped_until - opened < COOLDOWN, f"too slow to check the open breaker within its 1 s cooldown ({skipped_until - opened:.2f} s)"
    assert_requests(routed.a, 3, "an open breaker sends nothing to A")
    assert models_received(routed.b) == ["gpt-b"] * 5

    # (Usage rows, checked during the cooldown.)
    assert_usage(routed.gateway, first_id, deployment=B, attempts=3, status=200)
    assert_usage(routed.gateway, second_id, deployment=B, attempts=2, status=200)
    for request_id in skipped_ids:
        assert_usage(routed.gateway, request_id, deployment=B, attempts=1, status=200)

    # After the cooldown the breaker lets a probe through.
    deadline = opened + COOLDOWN + SLACK + 1.0
    while routed.health()[A] != "half_open" and time.monotonic() < deadline:
        time.sleep(0.05)
    half_open_at = time.monotonic()
    assert routed.health()[A] == "half_open", f"A's breaker is not half-open {half_open_at - opened:.2f} s after opening (cooldown 1 s)"
    assert half_open_at - opened >= COOLDOWN - 0.1, f"A's breaker turned half-open {half_open_at - opened:.2f} s after opening, before its 1 s cooldown"

    completion, probe_id, _ = routed.chat()
    assert answer_text(completion) == PLAIN_TEXT
    assert_requests(routed.a, 4, "the probe goes to A")
    assert routed.a.chat_requests()[-1].model == "gpt-a"
    assert_usage(routed.gateway, probe_id, deployment=A, attempts=1, status=200)
    assert routed.health() == {A: "closed", B: "closed"}, "the probe's success should close A's breaker"
    assert_metric(routed.metrics(), "holysheep_breaker_state", 0, deployment=A)

    _, after_id, _ = routed.chat()
    assert_usage(routed.gateway, after_id, deployment=A, attempts=1, status=200)
    assert_requests(routed.b, 5, "A is healthy again")


def test_when_every_breaker_is_open_the_client_gets_503_upstream_unavailable_with_retry_after(routed: Routed) -> None:
    routed.a.script(["status:500"] * 3)
    routed.b.script(["status:503"] * 3)

    routed.failing_chat(openai.InternalServerError)  # A 2 failures, B 2 failures
    routed.failing_chat(openai.InternalServerError)  # A's 3rd failure opens A, B's 3rd opens B
    assert_requests(routed.a, 3, "2 + 1 attempts before A's breaker opened")
    assert_requests(routed.b, 3, "2 + 1 attempts before B's breaker opened")
    assert routed.health() == {A: "open", B: "open"}

    error, request_id, took = routed.failing_chat(openai.InternalServerError)

    assert_openai_error(error.response, 503, "upstream_unavailable")
    retry_after = error.response.headers.get("retry-after")
    assert retry_after is not None and retry_after.isdigit(), f"no usable Retry-After on the 503: {retry_after!r}"
    assert 1 <= int(retry_after) <= 2, f"Retry-After {retry_after} for a 1 s cooldown"
    assert took < 0.5, f"answering from open breakers took {took:.2f} s"
    assert_requests(routed.a, 3, "A's breaker is open")
    assert_requests(routed.b, 3, "B's breaker is open")
    row = routed.gateway.wait_for_usage(request_id)
    assert (row["status"], row["attempts"]) == (503, 0), f"usage row of a call no deployment was tried for: {row}"


# =========================================================================== weights


def test_weights_send_about_three_quarters_of_the_calls_to_the_weight_3_deployment(routed: Routed) -> None:
    calls = 200
    for _ in range(calls):
        routed.chat(model=WEIGHTED)

    to_a, to_b = len(chats(routed.a)), len(chats(routed.b))
    assert to_a + to_b == calls, f"{to_a} + {to_b} upstream requests for {calls} healthy calls (no retries expected)"
    assert set(models_received(routed.a)) == {"gpt-a"} and set(models_received(routed.b)) == {"gpt-b"}
    # A's share is Binomial(200, 3/4): mean 150, standard deviation ~6.1. 120..180 is +-30,
    # about 4.9 standard deviations: a correct gateway fails this less than once in a million runs.
    assert 120 <= to_a <= 180, f"A (weight 3) got {to_a} of {calls} calls, B (weight 1) {to_b}; expected ~150 (120..180)"


# =========================================================================== observability


def test_metrics_count_requests_attempts_retries_and_fallbacks(routed: Routed) -> None:
    routed.a.script(["status:401"])
    routed.failing_chat(openai.InternalServerError)  # a fatal attempt on A
    routed.a.script(["status:503", "ok"])
    routed.chat()  # a retry on A, which answers
    routed.a.script(["status:500", "status:500"])
    routed.chat()  # a retry on A, then a fallback to B, which answers

    text = routed.metrics()

    assert_metric(text, "holysheep_requests_total", 1, model=MODEL, deployment=A, status="502")
    assert_metric(text, "holysheep_requests_total", 1, model=MODEL, deployment=A, status="200")
    assert_metric(text, "holysheep_requests_total", 1, model=MODEL, deployment=B, status="200")
    assert_metric(text, "holysheep_upstream_attempts_total", 1, model=MODEL, deployment=A, outcome="fatal")
    assert_metric(text, "holysheep_upstream_attempts_total", 3, model=MODEL, deployment=A, outcome="retryable")
    assert_metric(text, "holysheep_upstream_attempts_total", 1, model=MODEL, deployment=A, outcome="ok")
    assert_metric(text, "holysheep_upstream_attempts_total", 1, model=MODEL, deployment=B, outcome="ok")
    assert metric(text, "holysheep_upstream_attempts_total", deployment=B, outcome="retryable") in (None, 0)
    assert_metric(text, "holysheep_retries_total", 2, model=MODEL, deployment=A)
    assert metric(text, "holysheep_retries_total", deployment=B) in (None, 0), metric_lines(text, "holysheep_retries_total")
    assert_metric(text, "holysheep_fallbacks_total", 1, model=MODEL, deployment=A)
    assert metric(text, "holysheep_fallbacks_total", deployment=B) in (None, 0), metric_lines(text, "holysheep_fallbacks_total")
    assert_metric(text, "holysheep_upstream_latency_seconds_count", 5, model=MODEL, deployment=A)
    assert_metric(text, "holysheep_upstream_latency_seconds_count", 1, model=MODEL, deployment=B)
    added = metric(text, "holysheep_added_latency_seconds_count", model=MODEL)
    assert added is not None and added >= 2, f"added latency not observed for the 2 answered calls:\n{metric_lines(text, 'holysheep_added_latency_seconds')}"
    assert metric(text, "holysheep_upstream_latency_seconds_bucket", model=MODEL, deployment=A, le="+Inf") == 5, metric_lines(
        text, "holysheep_upstream_latency_seconds_bucket"
    )


def test_metrics_show_every_deployments_breaker_state_from_the_start(routed: Routed) -> None:
    text = routed.metrics()

    for deployment in (A, B, DEAD):
        assert_metric(text, "holysheep_breaker_state", 0, deployment=deployment)


def test_logs_contain_no_key_and_no_prompt_text(routed: Routed) -> None:
    # Every failing call on A is followed by a success there, so that A's breaker (3 consecutive
    # failures) stays closed and each call reaches the fake it is scripted for.
    prompt = f"confidential-prompt-{uuid.uuid4().hex}"
    routed.a.script(["status:500", "status:500", "ok"])
    routed.chat(prompt)  # retry, fallback
    routed.chat(prompt)  # A answers
    routed.chat(prompt, model=REFUSED_FIRST)  # connection refused, fallback
    routed.a.script(["malformed_json", "ok", "content_type:text/html", "ok"])
    routed.chat(prompt)  # invalid JSON, retried
    routed.chat(prompt)  # not JSON at all, retried
    routed.a.script(["status:401"])
    routed.failing_chat(openai.InternalServerError, prompt)  # the provider refuses the gateway's key
    routed.a.script(["status:400"])
    routed.failing_chat(openai.BadRequestError, prompt)  # a client error passed on
    routed.a.script(["reset_mid_stream"])
    with pytest.raises(openai.APIError):  # stream interrupted (whether or not it ends with its error event)
        list(routed.client.chat.completions.create(model=MODEL, messages=user(prompt), stream=True))
    routed.b.script(["status:503", "status:503"])
    routed.a.script(["status:500", "status:500"])
    routed.failing_chat(openai.InternalServerError, prompt)  # everything failed
    assert_requests(routed.a, 12, "every scripted behaviour of A was used: the breaker stayed closed")
    time.sleep(0.2)  # let the last log lines reach the file

    log = routed.gateway.log_text()
    assert "falling back" in log or "upstream" in log, f"the gateway logged nothing about the failures, the check below would be empty:\n{log[-3000:]}"
    secret_body = routed.key.secret.split("_", 2)[-1]
    for label, needle in (
        ("the client's hs_ key", routed.key.secret),
        ("the client's key without its prefix", secret_body),
        ("the provider key", UPSTREAM_KEY),
        ("the prompt text", prompt),
    ):
        lines = [line for line in log.splitlines() if needle in line]
        assert not lines, f"the gateway log contains {label}:\n" + "\n".join(lines[:10])
