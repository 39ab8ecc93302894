"""Errors are OpenAI-shaped, carry the HTTP status as ``error_code``, and say what to do."""

from __future__ import annotations

import json

import httpx
import openai
import pytest

from conftest import MAX_BODY_BYTES, ApiKey
from fake_upstream import FakeUpstream
from support import (
    BROKEN_MODEL,
    DEEPSEEK,
    MODEL,
    UPSTREAM_KEY,
    assert_openai_error,
    bearer,
    chat_body,
    load_json_fixture,
    random_key,
    user,
)

CHAT = "/v1/chat/completions"

# ------------------------------------------------------------------ authentication


def test_missing_authorization_header_is_401_missing_api_key(http: httpx.Client, fake_upstream: FakeUpstream) -> None:
    assert_openai_error(http.post(CHAT, json=chat_body()), 401, "missing_api_key")
    assert fake_upstream.chat_requests() == []


def test_openai_style_key_is_401_with_a_message_explaining_hs_keys(gateway, fake_upstream: FakeUpstream) -> None:
    client = gateway.openai("sk-proj-abc")
    with pytest.raises(openai.AuthenticationError) as excinfo:
        client.chat.completions.create(model=MODEL, messages=user("hi"))

    assert excinfo.value.status_code == 401
    error = assert_openai_error(excinfo.value.response, 401, "invalid_api_key_format")
    for needle in ("sk-", "hs_", "holysheep keys create"):
        assert needle in error["message"], f"message does not mention {needle!r}: {error['message']!r}"
    assert fake_upstream.chat_requests() == []


def test_unknown_well_formed_key_is_401_invalid_api_key(gateway, fake_upstream: FakeUpstream) -> None:
    with pytest.raises(openai.AuthenticationError) as excinfo:
        gateway.openai(random_key()).chat.completions.create(model=MODEL, messages=user("hi"))

    assert excinfo.value.code == "invalid_api_key"
    assert_openai_error(excinfo.value.response, 401, "invalid_api_key")
    assert fake_upstream.chat_requests() == []


# ------------------------------------------------------------------ models


def test_unknown_model_is_404_listing_the_available_models(client: openai.OpenAI, fake_upstream: FakeUpstream) -> None:
    with pytest.raises(openai.NotFoundError) as excinfo:
        client.chat.completions.create(model="gpt-9-imaginary", messages=user("hi"))

    error = assert_openai_error(excinfo.value.response, 404, "model_not_found")
    assert excinfo.value.body["code"] == "model_not_found"  # what the SDK exposes as e.body
    for name in (MODEL, DEEPSEEK):
        assert name in error["message"], f"message does not list {name!r}: {error['message']!r}"
    assert fake_upstream.chat_requests() == []


# ------------------------------------------------------------------ request validation


def _error_position(text: str) -> tuple[int, int]:
    """1-based line and column of the first '@' in ``text``."""
    index = text.index("@")
    line = text.count("\n", 0, index) + 1
    column = index - (text.rfind("\n", 0, index) + 1) + 1
    return line, column


@pytest.mark.parametrize(
    "raw",
    [
        '{"model": "gpt-4.1", "messages": @}',
        '{\n  "model": "gpt-4.1",\n  "messages": @\n}',
    ],
    ids=["one-line", "multi-line"],
)
def test_malformed_json_is_400_invalid_json_naming_line_and_column(http: httpx.Client, api_key: ApiKey, fake_upstream: FakeUpstream, raw: str) -> None:
    response = http.post(CHAT, content=raw.encode(), headers={**bearer(api_key.secret), "Content-Type": "application/json"})

    error = assert_openai_error(response, 400, "invalid_json")
    line, column = _error_position(raw)
    assert f"line {line}, column {column}" in error["message"], f"expected 'line {line}, column {column}' in {error['message']!r}"
    assert fake_upstream.chat_requests() == []


@pytest.mark.parametrize("field", ["messages", "model"])
def test_missing_required_field_is_400_naming_the_param(http: httpx.Client, api_key: ApiKey, fake_upstream: FakeUpstream, field: str) -> None:
    body = chat_body()
    del body[field]

    error = assert_openai_error(http.post(CHAT, json=body, headers=bearer(api_key.secret)), 400, "missing_required_field", param=field)
    assert field in error["message"]
    assert fake_upstream.chat_requests() == []


def _padded_body(size: int) -> bytes:
    """A valid chat request of exactly ``size`` bytes."""
    empty = json.dumps(chat_body("")).encode()
    body = json.dumps(chat_body("x" * (size - len(empty)))).encode()
    assert len(body) == size
    return body


def test_body_over_max_body_bytes_is_413(http: httpx.Client, api_key: ApiKey, fake_upstream: FakeUpstream) -> None:
    headers = {**bearer(api_key.secret), "Content-Type": "application/json"}
    body = _padded_body(MAX_BODY_BYTES + 1)

    assert_openai_error(http.post(CHAT, content=body, headers=headers), 413, "request_too_large")
    # The same without Content-Length (chunked request body).
    chunks = [body[i : i + 8192] for i in range(0, len(body), 8192)]
    assert_openai_error(http.post(CHAT, content=iter(chunks), headers=headers), 413, "request_too_large")
    assert fake_upstream.chat_requests() == []


def test_body_of_exactly_max_body_bytes_is_accepted(http: httpx.Client, api_key: ApiKey, fake_upstream: FakeUpstream) -> None:
    headers = {**bearer(api_key.secret), "Content-Type": "application/json"}
    body = _padded_body(MAX_BODY_BYTES)

    response = http.post(CHAT, content=body, headers=headers)
    assert response.status_code == 200, response.text[:500]
    chunked = http.post(CHAT, content=iter([body[i : i + 8192] for i in range(0, len(body), 8192)]), headers=headers)
    assert chunked.status_code == 200, chunked.text[:500]
    assert len(fake_upstream.chat_requests()) == 2


# ------------------------------------------------------------------ routes


def test_unknown_route_is_404_unknown_route(http: httpx.Client, api_key: ApiKey) -> None:
    assert_openai_error(http.get("/v1/nope", headers=bearer(api_key.secret)), 404, "unknown_route")


def test_wrong_method_is_405_method_not_allowed(http: httpx.Client, api_key: ApiKey) -> None:
    assert_openai_error(http.get(CHAT, headers=bearer(api_key.secret)), 405, "method_not_allowed")


@pytest.mark.parametrize("path", [CHAT, "/v1/messages"])
def test_a_chat_call_the_router_answers_matches_the_chat_lanes_answer(http: httpx.Client, api_key: ApiKey, fake_upstream: FakeUpstream, path: str) -> None:
    # The exact path is answered by the chat lane, the same path with a trailing slash by the router: same handler,
    # same middleware, so the same answer and headers; errors included.
    if path == CHAT:
        body = chat_body()
    else:
        body = {"model": MODEL, "max_tokens": 16, "messages": [{"role": "user", "content": "hi"}]}
    headers = bearer(api_key.secret)
    lane, routed = http.post(path, json=body, headers=headers), http.post(path + "/", json=body, headers=headers)
    assert lane.status_code == routed.status_code == 200, (lane.text[:300], routed.text[:300])
    for response in (lane, routed):
        assert response.headers["content-type"] == "application/json"
        assert response.headers["x-request-id"]
        assert int(response.headers["x-ratelimit-limit-requests"]) > 0
        assert (response.headers.get("request-id") is not None) == (path == "/v1/messages")
    assert lane.json().keys() == routed.json().keys()
    missing_key = [http.post(p, json=body) for p in (path, path + "/")]
    assert [r.status_code for r in missing_key] == [401, 401]
    assert missing_key[0].json() == missing_key[1].json()


# ------------------------------------------------------------------ upstream failures


def test_unreachable_upstream_is_502_naming_the_deployment_without_leaking_its_key(client: openai.OpenAI) -> None:
    with pytest.raises(openai.InternalServerError) as excinfo:
        client.chat.completions.create(model=BROKEN_MODEL, messages=user("hi"))

    assert excinfo.value.status_code == 502
    error = assert_openai_error(excinfo.value.response, 502, "upstream_unreachable")
    assert "dead" in error["message"], f"message does not name the deployment: {error['message']!r}"
    assert UPSTREAM_KEY not in excinfo.value.response.text


def test_upstream_429_is_passed_on_with_its_message(client: openai.OpenAI) -> None:
    upstream_message = load_json_fixture("error_429_rate_limit_exceeded.json")["error"]["message"]
    with pytest.raises(openai.RateLimitError) as excinfo:
        client.chat.completions.create(model=MODEL, messages=user("[[status:429]]"))

    assert excinfo.value.status_code == 429
    error = assert_openai_error(excinfo.value.response, 429)
    assert upstream_message in error["message"], f"upstream message lost: {error['message']!r}"
    assert UPSTREAM_KEY not in excinfo.value.response.text


def test_upstream_429_on_a_stream_request_is_passed_on_before_any_chunk(client: openai.OpenAI) -> None:
    with pytest.raises(openai.RateLimitError) as excinfo:
        list(client.chat.completions.create(model=MODEL, messages=user("[[status:429]]"), stream=True))

    assert_openai_error(excinfo.value.response, 429)


def test_upstream_400_is_passed_on_with_its_message(client: openai.OpenAI, fake_upstream: FakeUpstream) -> None:
    upstream_message = load_json_fixture("error_400_invalid_request_error.json")["error"]["message"]
    with pytest.raises(openai.BadRequestError) as excinfo:
        client.chat.completions.create(model=MODEL, messages=user("[[status:400]]"), temperature=7)

    assert excinfo.value.status_code == 400
    error = assert_openai_error(excinfo.value.response, 400)
    assert upstream_message in error["message"], f"upstream message lost: {error['message']!r}"
    assert len(fake_upstream.chat_requests()) == 1, "a 400 from the upstream is not retryable"


def test_upstream_500_becomes_an_openai_shaped_5xx(client: openai.OpenAI) -> None:
    with pytest.raises(openai.InternalServerError) as excinfo:
        client.chat.completions.create(model=MODEL, messages=user("[[status:500]]"))

    assert excinfo.value.status_code >= 500
    assert_openai_error(excinfo.value.response, excinfo.value.status_code)
