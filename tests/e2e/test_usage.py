"""Usage recording: every chat call writes one ``usage_records`` row, off the request path."""

from __future__ import annotations

import concurrent.futures
import time

import httpx
import openai
import pytest

from conftest import ApiKey, Gateway
from fake_upstream import FakeUpstream
from support import BROKEN_MODEL, COMPLETION_USAGE, MODEL, STREAM_USAGE, as_bool, bearer, chat_body, iter_sse, user


def test_completion_records_tokens_including_cached(client: openai.OpenAI, gateway: Gateway, api_key: ApiKey) -> None:
    raw = client.chat.completions.with_raw_response.create(model=MODEL, messages=user("hi"))
    request_id = raw.headers["x-request-id"]
    raw.parse()

    row = gateway.wait_for_usage(request_id)
    assert row["key_id"] == api_key.id
    assert row["model"] == MODEL
    assert "fake" in str(row["deployment"]), f"deployment {row['deployment']!r} does not name the provider"
    assert row["status"] == 200
    assert row["prompt_tokens"] == COMPLETION_USAGE["prompt_tokens"]
    assert row["completion_tokens"] == COMPLETION_USAGE["completion_tokens"]
    assert row["cached_tokens"] == COMPLETION_USAGE["cached_tokens"]
    assert isinstance(row["latency_ms"], (int, float)) and row["latency_ms"] >= 0
    assert as_bool(row["stream"]) is False


@pytest.mark.parametrize("include_usage", [False, True], ids=["client-did-not-ask", "client-asked"])
def test_stream_records_tokens_from_the_usage_chunk(http: httpx.Client, gateway: Gateway, api_key: ApiKey, include_usage: bool) -> None:
    body = chat_body(stream=True)
    if include_usage:
        body["stream_options"] = {"include_usage": True}
    with http.stream("POST", "/v1/chat/completions", json=body, headers=bearer(api_key.secret)) as response:
        assert response.status_code == 200
        request_id = response.headers["x-request-id"]
        payloads = [data for _, data in iter_sse(response)]
    assert payloads[-1] == "[DONE]"

    row = gateway.wait_for_usage(request_id)
    assert row["status"] == 200
    assert row["prompt_tokens"] == STREAM_USAGE["prompt_tokens"]
    assert row["completion_tokens"] == STREAM_USAGE["completion_tokens"]
    assert row["cached_tokens"] == STREAM_USAGE["cached_tokens"]
    assert as_bool(row["stream"]) is True


def test_upstream_error_is_recorded_with_its_status(client: openai.OpenAI, gateway: Gateway) -> None:
    with pytest.raises(openai.RateLimitError) as excinfo:
        client.chat.completions.create(model=MODEL, messages=user("[[status:429]]"))

    row = gateway.wait_for_usage(excinfo.value.response.headers["x-request-id"])
    assert row["status"] == 429
    assert row["model"] == MODEL
    assert not row["prompt_tokens"] and not row["completion_tokens"], "a failed call has no tokens to record"


def test_unreachable_upstream_is_recorded_with_502(client: openai.OpenAI, gateway: Gateway, api_key: ApiKey) -> None:
    with pytest.raises(openai.InternalServerError) as excinfo:
        client.chat.completions.create(model=BROKEN_MODEL, messages=user("hi"))

    row = gateway.wait_for_usage(excinfo.value.response.headers["x-request-id"])
    assert row["status"] == 502
    assert row["model"] == BROKEN_MODEL
    assert row["key_id"] == api_key.id


def test_usage_rows_are_written_within_about_a_second(client: openai.OpenAI, gateway: Gateway) -> None:
    raw = client.chat.completions.with_raw_response.create(model=MODEL, messages=user("hi"))
    answered = time.monotonic()
    gateway.wait_for_usage(raw.headers["x-request-id"], timeout=3.0)
    took = time.monotonic() - answered
    assert took <= 2.0, f"the usage row took {took:.2f} s to appear (batches are flushed within ~1 s)"


def test_concurrent_calls_are_all_answered_and_each_recorded_once(gateway: Gateway, api_key: ApiKey, fake_upstream: FakeUpstream) -> None:
    def call(i: int) -> tuple[str, str]:
        with httpx.Client(base_url=gateway.url, timeout=30) as http:
            body = chat_body(f"request {i}", stream=(i % 2 == 1))
            with http.stream("POST", "/v1/chat/completions", json=body, headers=bearer(api_key.secret)) as response:
                content = response.read().decode()
                assert response.status_code == 200, content[:300]
                return response.headers["x-request-id"], content

    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(call, range(16), timeout=60))

    request_ids = [rid for rid, _ in results]
    assert len(set(request_ids)) == 16
    assert all(content.rstrip().endswith("data: [DONE]") for i, (_, content) in enumerate(results) if i % 2 == 1)
    assert sorted(r.json["messages"][-1]["content"] for r in fake_upstream.chat_requests()) == sorted(f"request {i}" for i in range(16))
    for request_id in request_ids:
        assert gateway.wait_for_usage(request_id)["status"] == 200
