"""The fake Anthropic and Gemini upstreams alone (no gateway): they answer the official
``anthropic`` SDK and raw Gemini requests in the documented shapes, and refuse what the real APIs
refuse. test_translation.py relies on both, so a fake that drifts fails here first."""

from __future__ import annotations

import json
from typing import Any

import anthropic
import httpx
import pytest

from fake_providers import ANTHROPIC_KEY, ANTHROPIC_TOOL_IDS, ANTHROPIC_VERSION, GEMINI_KEY, FakeAnthropic, FakeGemini
from support import parse_sse

MODEL = "claude-fake-model"  # not a real model name: the SDK warns on deprecated ones
GEMINI_MODEL = "gemini-2.5-flash"
TOOL = {
    "name": "get_weather",
    "description": "Current weather for a city.",
    "input_schema": {"type": "object", "properties": {"location": {"type": "string"}}, "required": ["location"]},
}
HI = [{"role": "user", "content": "hi"}]


@pytest.fixture
def claude(fake_anthropic: FakeAnthropic) -> anthropic.Anthropic:
    return anthropic.Anthropic(base_url=fake_anthropic.base_url, api_key=ANTHROPIC_KEY, max_retries=0, timeout=10)


@pytest.fixture
def gemini(fake_gemini: FakeGemini) -> Any:
    with httpx.Client(base_url=fake_gemini.base_url, headers={"x-goog-api-key": GEMINI_KEY}, timeout=10) as client:
        yield client


def generate(gemini: httpx.Client, body: dict[str, Any], *, stream: bool = False) -> httpx.Response:
    method = "streamGenerateContent?alt=sse" if stream else "generateContent"
    return gemini.post(f"/v1beta/models/{GEMINI_MODEL}:{method}", json=body)


def contents(text: str = "hi") -> list[dict[str, Any]]:
    return [{"role": "user", "parts": [{"text": text}]}]


# =========================================================================== Anthropic


def test_fake_anthropic_answers_the_sdk_with_a_message_and_cache_usage(claude: anthropic.Anthropic, fake_anthropic: FakeAnthropic) -> None:
    message = claude.messages.create(model=MODEL, max_tokens=64, messages=HI)

    assert message.content[0].text == "Hello! I'm Claude. How can I help you today?"
    assert (message.usage.input_tokens, message.usage.cache_read_input_tokens, message.usage.output_tokens) == (21, 1024, 13)
    assert message.model == MODEL
    assert fake_anthropic.last_message_request().json["max_tokens"] == 64


def test_fake_anthropic_streams_the_documented_events(claude: anthropic.Anthropic) -> None:
    with claude.messages.stream(model=MODEL, max_tokens=64, messages=HI) as stream:
        types = [e.type for e in stream]
        final = stream.get_final_message()

    assert types[0] == "message_start" and types[-1] == "message_stop"
    assert final.content[0].text == "Hello from Claude! How can I help?"
    assert (final.usage.cache_read_input_tokens, final.usage.output_tokens, final.stop_reason) == (2048, 15, "end_turn")


@pytest.mark.parametrize("stream", [False, True], ids=["json", "stream"])
def test_fake_anthropic_tool_use_round_trip(claude: anthropic.Anthropic, stream: bool) -> None:
    if stream:
        with claude.messages.stream(model=MODEL, max_tokens=64, tools=[TOOL], messages=HI) as s:
            first = s.get_final_message()
    else:
        first = claude.messages.create(model=MODEL, max_tokens=64, tools=[TOOL], messages=HI)
    uses = [b for b in first.content if b.type == "tool_use"]
    assert [(u.id, u.input) for u in uses] == list(zip(ANTHROPIC_TOOL_IDS, [{"location": "Paris, France"}, {"location": "Tokyo, Japan"}]))
    assert first.stop_reason == "tool_use"

    final = claude.messages.create(
        model=MODEL,
        max_tokens=64,
        tools=[TOOL],
        messages=[*HI, {"role": "assistant", "content": first.content}, {"role": "user", "content": [{"type": "tool_result", "tool_use_id": u.id, "content": "sunny"} for u in uses]}],
    )
    assert final.content[0].text == "Here is what the tools returned: " + "; ".join(f"{i} -> sunny" for i in ANTHROPIC_TOOL_IDS)


def test_fake_anthropic_forced_tool_input_follows_its_schema(claude: anthropic.Anthropic) -> None:
    schema = {"type": "object", "properties": {"a": {"type": "string"}, "b": {"type": "integer"}, "c": {"type": "array", "items": {"type": "boolean"}}}, "required": ["a", "b", "c"]}
    message = claude.messages.create(
        model=MODEL, max_tokens=64, tools=[{"name": "json_response", "input_schema": schema}], tool_choice={"type": "tool", "name": "json_response"}, messages=HI
    )
    assert [(b.type, b.name, b.input) for b in message.content] == [("tool_use", "json_response", {"a": "x", "b": 1, "c": [True]})]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        pytest.param({"messages": HI}, "max_tokens: Field required", id="no-max_tokens"),
        pytest.param({"max_tokens": 9, "messages": [*HI, *HI]}, "roles must alternate", id="not-alternating"),
        pytest.param({"max_tokens": 9, "messages": [{"role": "system", "content": "s"}, *HI]}, 'Unexpected role "system"', id="system-role"),
        pytest.param({"max_tokens": 9, "temperature": 1.5, "messages": HI}, "temperature: range: 0..1", id="temperature"),
        pytest.param({"max_tokens": 9, "n": 2, "messages": HI}, "n: Extra inputs are not permitted", id="extra-field"),
        pytest.param(
            {"max_tokens": 9, "messages": [*HI, {"role": "assistant", "content": "ok"}, {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_x"}]}]},
            "unexpected `tool_use_id`",
            id="orphan-tool_result",
        ),
        pytest.param(
            {"max_tokens": 9, "messages": [*HI, {"role": "assistant", "content": [{"type": "tool_use", "id": "toolu_y", "name": "f", "input": {}}]}, *HI]},
            "without `tool_result` blocks",
            id="unanswered-tool_use",
        ),
    ],
)
def test_fake_anthropic_refuses_what_the_messages_api_refuses(fake_anthropic: FakeAnthropic, body: dict[str, Any], message: str) -> None:
    response = httpx.post(
        f"{fake_anthropic.base_url}/v1/messages",
        json={"model": MODEL, **body},
        headers={"x-api-key": ANTHROPIC_KEY, "anthropic-version": ANTHROPIC_VERSION},
        timeout=10,
    )
    assert response.status_code == 400, response.text
    error = response.json()
    assert error["type"] == "error" and error["error"]["type"] == "invalid_request_error"
    assert message in error["error"]["message"], error


def test_fake_anthropic_scripted_529_is_an_overloaded_error(claude: anthropic.Anthropic, fake_anthropic: FakeAnthropic) -> None:
    fake_anthropic.script(["status:529"])
    with pytest.raises(anthropic.APIStatusError) as excinfo:
        claude.messages.create(model=MODEL, max_tokens=9, messages=HI)
    assert excinfo.value.status_code == 529
    assert excinfo.value.body["error"]["type"] == "overloaded_error"


# =========================================================================== Gemini


def test_fake_gemini_answers_text_with_usage(gemini: httpx.Client, fake_gemini: FakeGemini) -> None:
    response = generate(gemini, {"contents": contents()})

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["candidates"][0]["content"] == {"parts": [{"text": "Hello! I'm Gemini. How can I help you today?"}], "role": "model"}
    assert body["usageMetadata"]["cachedContentTokenCount"] == 1024
    assert fake_gemini.last_generate_request().header("x-goog-api-key") == GEMINI_KEY


def test_fake_gemini_streams_sse_responses_with_usage_on_the_last(gemini: httpx.Client) -> None:
    response = generate(gemini, {"contents": contents()}, stream=True)

    assert response.headers["content-type"].startswith("text/event-stream")
    events = [json.loads(data) for data in parse_sse(response.text)]
    assert len(events) == 3
    assert "".join(e["candidates"][0]["content"]["parts"][0]["text"] for e in events) == "Hello from Gemini! What can I do for you?"
    assert [e["candidates"][0].get("finishReason") for e in events] == [None, None, "STOP"]
    assert events[-1]["usageMetadata"]["candidatesTokenCount"] == 11


def test_fake_gemini_function_call_round_trip(gemini: httpx.Client) -> None:
    tools = [{"functionDeclarations": [{"name": "get_weather", "parameters": {"type": "OBJECT", "properties": {"location": {"type": "STRING"}}, "required": ["location"]}}]}]
    first = generate(gemini, {"contents": contents(), "tools": tools}).json()
    calls = first["candidates"][0]["content"]["parts"]
    assert calls == [{"functionCall": {"name": "get_weather", "args": {"location": city}}} for city in ("Paris, France", "Tokyo, Japan")]

    history = contents() + [first["candidates"][0]["content"], {"role": "user", "parts": [{"functionResponse": {"name": "get_weather", "response": {"t": 1}}}]}]
    final = generate(gemini, {"contents": history, "tools": tools}).json()
    assert final["candidates"][0]["content"]["parts"] == [{"text": 'Here is what the functions returned: get_weather -> {"t": 1}'}]


def test_fake_gemini_json_mode_follows_the_response_schema(gemini: httpx.Client) -> None:
    config = {"responseMimeType": "application/json", "responseSchema": {"type": "OBJECT", "properties": {"a": {"type": "STRING"}, "n": {"type": "NUMBER"}}, "required": ["a", "n"]}}
    body = generate(gemini, {"contents": contents(), "generationConfig": config}).json()
    assert json.loads(body["candidates"][0]["content"]["parts"][0]["text"]) == {"a": "x", "n": 1}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        pytest.param({"contents": []}, "contents is not specified", id="empty-contents"),
        pytest.param({"contents": [{"role": "assistant", "parts": [{"text": "x"}]}]}, "Please use a valid role: user, model.", id="assistant-role"),
        pytest.param({"contents": contents(), "n": 2}, 'Unknown name "n"', id="unknown-field"),
        pytest.param(
            {"contents": [{"role": "user", "parts": [{"functionResponse": {"name": "f", "response": "text"}}]}]},
            "google.protobuf.Struct",
            id="response-not-an-object",
        ),
    ],
)
def test_fake_gemini_refuses_what_generate_content_refuses(gemini: httpx.Client, body: dict[str, Any], message: str) -> None:
    response = generate(gemini, body)
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert (error["code"], error["status"]) == (400, "INVALID_ARGUMENT")
    assert message in error["message"], error


def test_fake_gemini_scripted_429_safety_and_missing_key(gemini: httpx.Client, fake_gemini: FakeGemini) -> None:
    fake_gemini.script(["status:429", "safety"])
    limited = generate(gemini, {"contents": contents()})
    assert limited.status_code == 429 and limited.json()["error"]["status"] == "RESOURCE_EXHAUSTED"
    blocked = generate(gemini, {"contents": contents()}).json()
    assert blocked["candidates"][0]["finishReason"] == "SAFETY" and "content" not in blocked["candidates"][0]

    anonymous = httpx.post(f"{fake_gemini.base_url}/v1beta/models/{GEMINI_MODEL}:generateContent", json={"contents": contents()}, timeout=10)
    assert anonymous.status_code == 403 and anonymous.json()["error"]["status"] == "PERMISSION_DENIED"
