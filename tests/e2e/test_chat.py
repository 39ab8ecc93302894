"""POST /v1/chat/completions through the gateway: relaying, routing, streaming, tools."""

from __future__ import annotations

import json
import time

import httpx
import openai

from conftest import ApiKey, Gateway
from fake_upstream import FakeUpstream
from support import (
    COMPLETION_USAGE,
    DEEPSEEK,
    DEEPSEEK_UPSTREAM,
    MODEL,
    PLAIN_TEXT,
    STREAM_TEXT,
    STREAM_USAGE,
    UPSTREAM_KEY,
    UPSTREAM_MODEL,
    WEATHER_TOOL,
    assert_openai_error,
    bearer,
    chat_body,
    chunk_content,
    fixture_chunks,
    iter_sse,
    load_json_fixture,
    user,
)

# ------------------------------------------------------------------ plain completions


def test_completion_relays_the_upstream_answer_and_its_usage(client: openai.OpenAI) -> None:
    completion = client.chat.completions.create(model=MODEL, messages=user("Say hello"))

    fixture = load_json_fixture("chat_completion.json")
    assert completion.object == "chat.completion"
    assert completion.id == fixture["id"]
    assert completion.choices[0].message.role == "assistant"
    assert completion.choices[0].message.content == PLAIN_TEXT
    assert completion.choices[0].finish_reason == "stop"
    assert completion.usage is not None
    assert completion.usage.prompt_tokens == COMPLETION_USAGE["prompt_tokens"]
    assert completion.usage.completion_tokens == COMPLETION_USAGE["completion_tokens"]
    assert completion.usage.total_tokens == fixture["usage"]["total_tokens"]
    assert completion.usage.prompt_tokens_details is not None
    assert completion.usage.prompt_tokens_details.cached_tokens == COMPLETION_USAGE["cached_tokens"]


def test_request_body_reaches_upstream_untouched_except_the_model(http: httpx.Client, api_key: ApiKey, fake_upstream: FakeUpstream) -> None:
    body = {
        "model": MODEL,
        "messages": [
            {"role": "system", "content": "You are terse."},
            {"role": "user", "content": "What's the weather in Paris?"},
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [{"id": "call_prev01", "type": "function", "function": {"name": "get_weather", "arguments": "{\"location\":\"Paris, France\"}"}}],
            },
            {"role": "tool", "tool_call_id": "call_prev01", "content": "{\"temp_c\": 21.5}"},
            {"role": "user", "content": [{"type": "text", "text": "Ünïcödé 羊 🐑 \"quoted\" \\ back\nslash"}]},
        ],
        "temperature": 0.2,
        "top_p": 0.9,
        "max_tokens": 64,
        "stop": ["\n\n", "END"],
        "seed": 42,
        "user": "e2e-user-7",
        "tools": [WEATHER_TOOL],
        "tool_choice": "auto",
        "response_format": {
            "type": "json_schema",
            "json_schema": {"name": "weather", "strict": True, "schema": {"type": "object", "properties": {"t": {"type": "number"}}, "required": ["t"], "additionalProperties": False}},
        },
        "metadata": {"trace": "abc-123"},
        "logit_bias": {"50256": -100},
        "x_vendor_extension": {"nested": [1, 2.5, None, True, "s"]},
    }

    response = http.post("/v1/chat/completions", json=body, headers=bearer(api_key.secret))

    assert response.status_code == 200, response.text
    received = fake_upstream.last_chat_request()
    assert received.json == {**body, "model": UPSTREAM_MODEL}
    assert len(fake_upstream.chat_requests()) == 1


def test_public_model_name_routes_to_its_deployment_model(client: openai.OpenAI, fake_upstream: FakeUpstream) -> None:
    client.chat.completions.create(model=DEEPSEEK, messages=user("hi"))
    client.chat.completions.create(model=MODEL, messages=user("hi"))

    assert [r.model for r in fake_upstream.chat_requests()] == [DEEPSEEK_UPSTREAM, UPSTREAM_MODEL]
    assert all(r.path == "/v1/chat/completions" for r in fake_upstream.chat_requests())


def test_upstream_gets_the_provider_key_and_never_the_client_key(client: openai.OpenAI, api_key: ApiKey, fake_upstream: FakeUpstream) -> None:
    client.chat.completions.create(model=MODEL, messages=user("hi"))
    list(client.chat.completions.create(model=MODEL, messages=user("hi"), stream=True))

    requests = fake_upstream.chat_requests()
    assert len(requests) == 2
    for request in requests:
        assert request.header("authorization") == f"Bearer {UPSTREAM_KEY}"
        for name, value in request.headers:
            assert api_key.secret not in value, f"client key leaked upstream in header {name}"
            assert "hs_live_" not in value and "hs_test_" not in value, f"a HolySheep key leaked upstream in header {name}"
        assert api_key.secret.encode() not in request.raw_body


def test_every_response_carries_a_request_id(http: httpx.Client, api_key: ApiKey) -> None:
    auth = bearer(api_key.secret)
    responses = [
        http.get("/healthz"),
        http.get("/v1/models", headers=auth),
        http.post("/v1/chat/completions", json=chat_body(), headers=auth),
        http.post("/v1/chat/completions", json=chat_body()),  # 401
        http.post("/v1/chat/completions", json=chat_body(model="no-such-model"), headers=auth),  # 404
        http.get("/v1/nope", headers=auth),  # 404 route
    ]
    with http.stream("POST", "/v1/chat/completions", json=chat_body(stream=True), headers=auth) as streamed:
        streamed.read()
        responses.append(streamed)

    ids = [r.headers.get("x-request-id") for r in responses]
    for r, request_id in zip(responses, ids):
        assert request_id, f"{r.request.method} {r.request.url.path} -> {r.status_code} has no x-request-id"
    assert len(set(ids)) == len(ids), f"request ids are not unique: {ids}"


# ------------------------------------------------------------------ streaming


def test_stream_relays_every_chunk_in_order_then_done(http: httpx.Client, api_key: ApiKey) -> None:
    with http.stream("POST", "/v1/chat/completions", json=chat_body(stream=True), headers=bearer(api_key.secret)) as response:
        assert response.status_code == 200, response.read().decode()
        assert response.headers["content-type"].startswith("text/event-stream")
        payloads = [data for _, data in iter_sse(response)]

    assert payloads[-1] == "[DONE]"
    assert payloads.count("[DONE]") == 1
    chunks = [json.loads(p) for p in payloads[:-1]]
    expected = fixture_chunks()
    assert [c["choices"] for c in chunks] == [e["choices"] for e in expected]
    assert all(c["object"] == "chat.completion.chunk" and c["id"] == expected[0]["id"] for c in chunks)
    assert "".join(chunk_content(c) for c in chunks) == STREAM_TEXT


def test_stream_meters_usage_upstream_but_hides_the_usage_chunk_from_a_client_that_did_not_ask(
    http: httpx.Client, api_key: ApiKey, fake_upstream: FakeUpstream
) -> None:
    with http.stream("POST", "/v1/chat/completions", json=chat_body(stream=True), headers=bearer(api_key.secret)) as response:
        assert response.status_code == 200
        payloads = [data for _, data in iter_sse(response)]

    upstream = fake_upstream.last_chat_request()
    assert upstream.json["stream"] is True
    assert upstream.json.get("stream_options", {}).get("include_usage") is True, (
        f"gateway did not ask the upstream for usage: stream_options={upstream.json.get('stream_options')!r}"
    )
    chunks = [json.loads(p) for p in payloads if p != "[DONE]"]
    assert payloads[-1] == "[DONE]"
    assert all(c.get("choices") for c in chunks), "client received a chunk with empty choices (the usage chunk)"
    assert all(c.get("usage") is None for c in chunks), "client received usage it did not ask for"
    assert "".join(chunk_content(c) for c in chunks) == STREAM_TEXT


def test_stream_with_include_usage_delivers_the_usage_chunk_last(client: openai.OpenAI, http: httpx.Client, api_key: ApiKey, fake_upstream: FakeUpstream) -> None:
    body = chat_body(stream=True, stream_options={"include_usage": True})
    with http.stream("POST", "/v1/chat/completions", json=body, headers=bearer(api_key.secret)) as response:
        assert response.status_code == 200
        payloads = [data for _, data in iter_sse(response)]
    assert fake_upstream.last_chat_request().json["stream_options"] == {"include_usage": True}
    assert payloads[-1] == "[DONE]"
    usage_chunk = json.loads(payloads[-2])
    assert usage_chunk["choices"] == []
    assert usage_chunk["usage"]["prompt_tokens"] == STREAM_USAGE["prompt_tokens"]
    assert usage_chunk["usage"]["completion_tokens"] == STREAM_USAGE["completion_tokens"]
    assert usage_chunk["usage"]["prompt_tokens_details"]["cached_tokens"] == STREAM_USAGE["cached_tokens"]

    # The same through the SDK.
    chunks = list(client.chat.completions.create(model=MODEL, messages=user("hi"), stream=True, stream_options={"include_usage": True}))
    assert chunks[-1].choices == []
    assert chunks[-1].usage is not None and chunks[-1].usage.prompt_tokens == STREAM_USAGE["prompt_tokens"]
    assert all(c.usage is None for c in chunks[:-1])
    assert "".join(c.choices[0].delta.content or "" for c in chunks[:-1] if c.choices) == STREAM_TEXT


def test_stream_chunks_reach_the_client_as_they_arrive(http: httpx.Client, api_key: ApiKey) -> None:
    # The fake sends 8 events 300 ms apart: the first content chunk 0.3 s in, [DONE] 2.1 s in.
    started = time.monotonic()
    first_content_at = None
    with http.stream("POST", "/v1/chat/completions", json=chat_body("[[slow]]", stream=True), headers=bearer(api_key.secret)) as response:
        assert response.status_code == 200
        payloads = []
        for at, data in iter_sse(response):
            payloads.append(data)
            if first_content_at is None and data != "[DONE]" and chunk_content(json.loads(data)):
                first_content_at = at
    ended = time.monotonic()

    assert payloads[-1] == "[DONE]"
    assert first_content_at is not None
    assert ended - started >= 1.8, f"the slow stream took only {ended - started:.2f} s: was the fake slow?"
    assert first_content_at - started < 1.2, f"first content chunk arrived {first_content_at - started:.2f} s in (upstream sent it 0.3 s in)"
    assert ended - first_content_at >= 1.2, (
        f"first content chunk arrived only {ended - first_content_at:.2f} s before the end: the stream was buffered"
    )


def test_sdk_streaming_iterates_the_whole_answer(client: openai.OpenAI) -> None:
    stream = client.chat.completions.create(model=MODEL, messages=user("hi"), stream=True)
    chunks = list(stream)

    assert chunks[0].choices[0].delta.role == "assistant"
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == STREAM_TEXT
    assert chunks[-1].choices[0].finish_reason == "stop"


# ------------------------------------------------------------------ tools


def test_tool_calls_pass_through_unchanged(client: openai.OpenAI, fake_upstream: FakeUpstream) -> None:
    completion = client.chat.completions.create(
        model=MODEL,
        messages=user("Weather in Paris and Tokyo? [[tools]]"),
        tools=[WEATHER_TOOL],
        tool_choice="auto",
        parallel_tool_calls=True,
    )

    sent = fake_upstream.last_chat_request().json
    assert sent["tools"] == [WEATHER_TOOL]
    assert sent["tool_choice"] == "auto"
    assert sent["parallel_tool_calls"] is True

    fixture = load_json_fixture("chat_completion_tool_calls.json")["choices"][0]["message"]["tool_calls"]
    choice = completion.choices[0]
    assert choice.finish_reason == "tool_calls"
    assert choice.message.content is None
    calls = choice.message.tool_calls
    assert calls is not None and len(calls) == 2
    assert [c.id for c in calls] == [f["id"] for f in fixture]
    assert [c.type for c in calls] == ["function", "function"]
    assert [c.function.name for c in calls] == ["get_weather", "get_weather"]
    assert [json.loads(c.function.arguments) for c in calls] == [{"location": "Paris, France"}, {"location": "Tokyo, Japan"}]


def test_streamed_tool_call_passes_through_unchanged(client: openai.OpenAI, fake_upstream: FakeUpstream) -> None:
    stream = client.chat.completions.create(model=MODEL, messages=user("Weather in Paris? [[tools]]"), tools=[WEATHER_TOOL], stream=True)
    calls: dict[int, dict] = {}
    finish_reason = None
    for chunk in stream:
        for choice in chunk.choices:
            for delta in choice.delta.tool_calls or []:
                call = calls.setdefault(delta.index, {"id": None, "name": None, "arguments": ""})
                if delta.id:
                    call["id"] = delta.id
                if delta.function and delta.function.name:
                    call["name"] = delta.function.name
                if delta.function and delta.function.arguments:
                    call["arguments"] += delta.function.arguments
            finish_reason = choice.finish_reason or finish_reason

    assert fake_upstream.last_chat_request().json["tools"] == [WEATHER_TOOL]
    assert calls == {0: {"id": "call_DdmO9pD3xa9XTPNJ32zg2hcA", "name": "get_weather", "arguments": "{\"location\":\"Paris, France\"}"}}
    assert finish_reason == "tool_calls"


# ------------------------------------------------------------------ models


def test_models_list_works_with_the_sdk_and_carries_kind_providers_and_pricing(client: openai.OpenAI, http: httpx.Client, api_key: ApiKey) -> None:
    ids = {m.id for m in client.models.list()}
    assert {MODEL, DEEPSEEK, "broken-model"} <= ids

    response = http.get("/v1/models", headers=bearer(api_key.secret))
    assert response.status_code == 200
    body = response.json()
    assert body["object"] == "list"
    entries = {e["id"]: e for e in body["data"]}
    for name in (MODEL, DEEPSEEK, "broken-model"):
        entry = entries[name]
        assert entry["object"] == "model"
        assert isinstance(entry["created"], int)
        assert isinstance(entry["owned_by"], str) and entry["owned_by"]
        assert entry["kind"] == "chat"
        assert isinstance(entry["providers"], list) and entry["providers"], f"{name}: providers {entry['providers']!r}"
        assert isinstance(entry["pricing"], dict) and entry["pricing"], f"{name}: pricing {entry['pricing']!r}"
    assert "fake" in json.dumps(entries[MODEL]["providers"])
    assert "dead" in json.dumps(entries["broken-model"]["providers"])


def test_models_list_requires_an_api_key(http: httpx.Client) -> None:
    assert_openai_error(http.get("/v1/models"), 401, "missing_api_key")


def test_sandbox_key_can_chat(gateway: Gateway) -> None:
    key = gateway.create_key("e2e-sandbox", sandbox=True)
    assert key.secret.startswith("hs_test_")
    completion = gateway.openai(key).chat.completions.create(model=MODEL, messages=user("hi"))
    assert completion.object == "chat.completion"
    assert completion.choices and completion.choices[0].message.role == "assistant"
