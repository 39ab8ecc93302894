"""Translation: OpenAI clients on Anthropic and Gemini models, and Anthropic clients on any model.

One gateway per storage engine for the whole module (``translation_config``: the fake OpenAI
upstream, ``fake_providers.FakeAnthropic`` as provider ``claude`` and ``fake_providers.FakeGemini``
as provider ``gem``; no retries). The official ``openai`` SDK calls ``claude-sonnet-4.5`` and
``gemini-2.5-flash``; the official ``anthropic`` SDK calls the gateway's Messages API
(``POST /v1/messages``) on ``deepseek-v3.2`` (served by the OpenAI fake), ``claude-sonnet-4.5``
and ``gemini-2.5-flash``. Each test checks both what the client got and what the fake upstream was
sent, and the fakes refuse what the real APIs refuse (see fake_providers.py), so a request the
gateway mistranslates fails with the provider's own 400 message in the report.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any, Iterator, Optional

import anthropic
import httpx
import openai
import pytest

from conftest import ApiKey, Gateway, GatewayLauncher
from fake_providers import (
    ANTHROPIC_KEY,
    ANTHROPIC_TOOL_IDS,
    ANTHROPIC_VERSION,
    GEMINI_KEY,
    JSON_RESPONSE_TOOL,
    FakeAnthropic,
    FakeGemini,
)
from fake_upstream import FakeUpstream, RecordedRequest
from support import (
    COMPLETION_USAGE,
    DEEPSEEK,
    DEEPSEEK_UPSTREAM,
    PLAIN_TEXT,
    STREAM_TEXT,
    STREAM_USAGE,
    UPSTREAM_KEY,
    WEATHER_TOOL,
    as_bool,
    assert_openai_error,
    load_json_fixture,
    user,
)

CLAUDE = "claude-sonnet-4.5"
CLAUDE_UPSTREAM = "claude-sonnet-4-5"
GEMINI = "gemini-2.5-flash"
GEMINI_UPSTREAM = "gemini-2.5-flash"
DEFAULT_MAX_TOKENS = 4096  # what the gateway sends Anthropic when the client gives no max_tokens
CLIENT_TIMEOUT = 20.0

# What the fixtures contain, spelled out so that a wrong fixture edit shows up here. Anthropic's
# input_tokens excludes the cache: OpenAI's prompt_tokens = input + cache_creation + cache_read.
CLAUDE_TEXT = "Hello! I'm Claude. How can I help you today?"  # anthropic/message.json
CLAUDE_USAGE = {"prompt_tokens": 21 + 0 + 1024, "completion_tokens": 13, "cached_tokens": 1024}
CLAUDE_STREAM_TEXT = "Hello from Claude! How can I help?"  # anthropic/message_stream.sse
CLAUDE_STREAM_USAGE = {"prompt_tokens": 25 + 0 + 2048, "completion_tokens": 15, "cached_tokens": 2048}
CLAUDE_TOOL_PREAMBLE = "I'll check the current weather in both cities."  # anthropic/message_tool_use.json
# Gemini's promptTokenCount includes the cached part; thinking (thoughtsTokenCount) is billed as output.
GEMINI_TEXT = "Hello! I'm Gemini. How can I help you today?"  # gemini/generate_content.json
GEMINI_USAGE = {"prompt_tokens": 1290, "completion_tokens": 12 + 40, "cached_tokens": 1024}
GEMINI_STREAM_TEXT = "Hello from Gemini! What can I do for you?"  # gemini/generate_content_stream.sse
GEMINI_STREAM_USAGE = {"prompt_tokens": 1100, "completion_tokens": 11, "cached_tokens": 1024}

CITIES = [{"location": "Paris, France"}, {"location": "Tokyo, Japan"}]  # the arguments of the fakes' two parallel calls
TOOL_RESULTS = ['{"temp_c": 21.5}', '{"temp_c": 30.25}']
WEATHER_SCHEMA = {
    "type": "object",
    "properties": {"city": {"type": "string"}, "temp_c": {"type": "number"}, "sunny": {"type": "boolean"}},
    "required": ["city", "temp_c", "sunny"],
    "additionalProperties": False,
}
WEATHER_INSTANCE = {"city": "x", "temp_c": 1, "sunny": True}  # what the fakes fill WEATHER_SCHEMA with
ANTHROPIC_WEATHER_TOOL = {
    "name": "get_weather",
    "description": WEATHER_TOOL["function"]["description"],
    "input_schema": WEATHER_TOOL["function"]["parameters"],
}
PNG_1X1 = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
IMAGE_URL = "https://example.com/images/cat.jpg"


def translation_config(openai_url: str, anthropic_url: str, gemini_url: str, storage_url: str) -> str:
    return f"""\
# HolySheep translation test configuration (written by tests/e2e/test_translation.py)
server:   {{ host: 127.0.0.1, port: 8080 }}
storage:  {{ url: "{storage_url}" }}
# One answer per call (no retries) and a breaker that never opens: the tests script upstream errors.
routing:  {{ retries: 0, breaker: {{ failure_threshold: 10000, min_requests: 100000 }} }}
providers:
  - {{ name: fake, kind: openai, base_url: "{openai_url}", api_key_env: FAKE_UPSTREAM_KEY }}
  - {{ name: claude, kind: anthropic, base_url: "{anthropic_url}", api_key_env: FAKE_ANTHROPIC_KEY }}
  - {{ name: gem, kind: gemini, base_url: "{gemini_url}", api_key_env: FAKE_GEMINI_KEY }}
models:
  - {{ name: {DEEPSEEK}, price: {{ input_per_mtok: 0.42, output_per_mtok: 0.42 }}, deployments: [ {{ provider: fake, model: {DEEPSEEK_UPSTREAM} }} ] }}
  - {{ name: {CLAUDE}, price: {{ input_per_mtok: 15, output_per_mtok: 15 }}, deployments: [ {{ provider: claude, model: {CLAUDE_UPSTREAM} }} ] }}
  - {{ name: {GEMINI}, price: {{ input_per_mtok: 2.5, output_per_mtok: 2.5 }}, deployments: [ {{ provider: gem, model: {GEMINI_UPSTREAM} }} ] }}
"""


# =========================================================================== fixtures


@dataclasses.dataclass
class Translated:
    """The module's gateway, its key, SDK clients and the three fake upstreams."""

    gateway: Gateway
    key: ApiKey
    openai_fake: FakeUpstream
    anthropic_fake: FakeAnthropic
    gemini_fake: FakeGemini

    def openai(self) -> openai.OpenAI:
        return self.gateway.openai(self.key, timeout=CLIENT_TIMEOUT)

    def anthropic(self, api_key: Optional[str] = None) -> anthropic.Anthropic:
        return anthropic.Anthropic(base_url=self.gateway.url, api_key=api_key or self.key.secret, max_retries=0, timeout=CLIENT_TIMEOUT)

    def fake_for(self, model: str) -> FakeUpstream:
        return {CLAUDE: self.anthropic_fake, GEMINI: self.gemini_fake, DEEPSEEK: self.openai_fake}[model]

    def upstream_calls(self, model: str) -> list[RecordedRequest]:
        return self.fake_for(model).chat_requests()

    def last_upstream_call(self, model: str) -> RecordedRequest:
        calls = self.upstream_calls(model)
        assert calls, f"{self.fake_for(model).name} received no call for {model}"
        return calls[-1]


@pytest.fixture(scope="module")
def translation_gateway(
    launcher: GatewayLauncher, storage_engine: str, fake_anthropic: FakeAnthropic, fake_gemini: FakeGemini
) -> Iterator[tuple[Gateway, ApiKey]]:
    gw = launcher.make(
        storage_engine,
        name="translation",
        config_text=lambda openai_url, storage_url: translation_config(openai_url, fake_anthropic.base_url, fake_gemini.base_url, storage_url),
    )
    try:
        gw.start()
        yield gw, gw.create_key("e2e-translation")
    finally:
        launcher.dispose(gw)


@pytest.fixture
def tx(translation_gateway: tuple[Gateway, ApiKey], fake_upstream: FakeUpstream, fake_anthropic: FakeAnthropic, fake_gemini: FakeGemini) -> Translated:
    gw, key = translation_gateway
    return Translated(gw, key, fake_upstream, fake_anthropic, fake_gemini)


# =========================================================================== helpers


def blocks(content: Any) -> list[dict[str, Any]]:
    """Anthropic message content as a list of blocks (a string is one text block)."""
    if isinstance(content, str):
        return [{"type": "text", "text": content}]
    assert isinstance(content, list), f"Anthropic content is neither a string nor a list of blocks: {content!r}"
    return content


def block_texts(content: Any) -> list[str]:
    return [b["text"] for b in blocks(content) if b.get("type") == "text"]


def anthropic_system_text(system: Any) -> Optional[str]:
    """Anthropic's top-level ``system``: a string or a list of text blocks."""
    if system is None or isinstance(system, str):
        return system
    return "\n\n".join(b["text"] for b in system)


def openai_text(content: Any) -> str:
    """An OpenAI message's content as text (a string or a list of text parts)."""
    if isinstance(content, str):
        return content
    assert isinstance(content, list), f"OpenAI content is neither a string nor a list of parts: {content!r}"
    return "".join(p.get("text", "") for p in content if p.get("type") == "text")


def gemini_parts(content: dict[str, Any]) -> list[dict[str, Any]]:
    return content.get("parts") or []


def gemini_text(content: dict[str, Any]) -> str:
    return "".join(p.get("text", "") for p in gemini_parts(content))


def usage_of(completion_usage: Any) -> dict[str, Any]:
    details = completion_usage.prompt_tokens_details
    return {
        "prompt_tokens": completion_usage.prompt_tokens,
        "completion_tokens": completion_usage.completion_tokens,
        "cached_tokens": details.cached_tokens if details is not None else None,
    }


def assert_usage_row(tx: Translated, request_id: str, *, model: str, usage: dict[str, int], stream: bool) -> None:
    row = tx.gateway.wait_for_usage(request_id)
    got = {
        "model": row["model"],
        "status": row["status"],
        "stream": as_bool(row["stream"]),
        "prompt_tokens": row["prompt_tokens"],
        "completion_tokens": row["completion_tokens"],
        "cached_tokens": row["cached_tokens"],
    }
    expected = {"model": model, "status": 200, "stream": stream, **usage}
    assert got == expected, f"usage row of {request_id}: {got}, expected {expected} (whole row: {row})"


def assert_no_upstream_call(tx: Translated, why: str) -> None:
    for fake in (tx.openai_fake, tx.anthropic_fake, tx.gemini_fake):
        calls = fake.chat_requests()
        assert not calls, f"{fake.name} was called ({why}):\n" + "\n".join(r.summary() for r in calls)


def assert_no_client_key_upstream(tx: Translated, request: RecordedRequest) -> None:
    for name, value in request.headers:
        assert tx.key.secret not in value, f"the client's HolySheep key leaked upstream in header {name}"
    assert tx.key.secret.encode() not in request.raw_body, "the client's HolySheep key leaked into the upstream body"


def collect_stream(stream: Any) -> tuple[list[Any], list[str], list[str]]:
    """(chunks, the non-empty content pieces in order, the finish reasons seen) of an SDK chat stream."""
    chunks = list(stream)
    pieces = [c.choices[0].delta.content for c in chunks if c.choices and c.choices[0].delta.content]
    finishes = [c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason]
    return chunks, pieces, finishes


def assemble_stream(stream: Any) -> tuple[dict[int, dict[str, Any]], str, list[str]]:
    """(tool calls by index as {id, name, arguments}, the content, the finish reasons) of an SDK chat stream."""
    calls: dict[int, dict[str, Any]] = {}
    content, finishes = "", []
    for chunk in stream:
        for choice in chunk.choices:
            content += choice.delta.content or ""
            for delta in choice.delta.tool_calls or []:
                call = calls.setdefault(delta.index, {"id": None, "name": None, "arguments": ""})
                if delta.id:
                    assert call["id"] in (None, delta.id), f"tool call {delta.index} changed its id mid-stream: {call['id']} -> {delta.id}"
                    call["id"] = delta.id
                if delta.function and delta.function.name:
                    call["name"] = delta.function.name
                if delta.function and delta.function.arguments:
                    call["arguments"] += delta.function.arguments
            if choice.finish_reason:
                finishes.append(choice.finish_reason)
    return calls, content, finishes


def tool_call_dicts(calls: Any) -> list[dict[str, Any]]:
    """SDK tool calls as the dicts a client sends back in its assistant message."""
    return [{"id": c.id, "type": "function", "function": {"name": c.function.name, "arguments": c.function.arguments}} for c in calls]


# =========================================================================== OpenAI SDK -> Claude / Gemini: plain, usage, stream


@dataclasses.dataclass(frozen=True)
class Expected:
    model: str
    text: str
    usage: dict[str, int]
    stream_text: str
    stream_usage: dict[str, int]


TRANSLATED_MODELS = [
    pytest.param(Expected(CLAUDE, CLAUDE_TEXT, CLAUDE_USAGE, CLAUDE_STREAM_TEXT, CLAUDE_STREAM_USAGE), id="claude"),
    pytest.param(Expected(GEMINI, GEMINI_TEXT, GEMINI_USAGE, GEMINI_STREAM_TEXT, GEMINI_STREAM_USAGE), id="gemini"),
]


@pytest.mark.parametrize("expected", TRANSLATED_MODELS)
def test_openai_completion_on_a_translated_model_has_the_providers_text_and_usage(tx: Translated, expected: Expected) -> None:
    raw = tx.openai().chat.completions.with_raw_response.create(model=expected.model, messages=user("Say hello"))
    completion = raw.parse()

    assert completion.object == "chat.completion"
    assert len(completion.choices) == 1
    choice = completion.choices[0]
    assert choice.message.role == "assistant"
    assert choice.message.content == expected.text
    assert choice.message.tool_calls in (None, [])
    assert choice.finish_reason == "stop"
    assert completion.usage is not None, "a translated completion has no usage"
    assert usage_of(completion.usage) == expected.usage, "usage differs from what the provider reported"
    assert completion.usage.total_tokens == expected.usage["prompt_tokens"] + expected.usage["completion_tokens"]
    assert len(tx.upstream_calls(expected.model)) == 1
    assert_usage_row(tx, raw.headers["x-request-id"], model=expected.model, usage=expected.usage, stream=False)


@pytest.mark.parametrize("expected", TRANSLATED_MODELS)
def test_openai_stream_on_a_translated_model_arrives_in_chunks_with_finish_reason_and_usage_last(tx: Translated, expected: Expected) -> None:
    raw = tx.openai().chat.completions.with_raw_response.create(
        model=expected.model, messages=user("Say hello"), stream=True, stream_options={"include_usage": True}
    )
    chunks, pieces, finishes = collect_stream(raw.parse())

    assert chunks, "the stream had no chunks"
    assert all(c.object == "chat.completion.chunk" for c in chunks), [c.object for c in chunks]
    assert len({c.id for c in chunks}) == 1, f"chunks of one stream carry different ids: {sorted({c.id for c in chunks})}"
    assert "".join(pieces) == expected.stream_text
    assert len(pieces) >= 2, f"the text arrived in {len(pieces)} chunk(s) although the provider streamed it in several: {pieces}"
    assert finishes == ["stop"], f"finish reasons {finishes}, expected one 'stop'"
    last = chunks[-1]
    assert last.choices == [], "with include_usage the last chunk has empty choices"
    assert last.usage is not None and usage_of(last.usage) == expected.stream_usage
    assert all(c.usage is None for c in chunks[:-1]), "usage on a chunk other than the last"

    call = tx.last_upstream_call(expected.model)
    if expected.model == CLAUDE:
        assert call.json.get("stream") is True, "the gateway did not ask Anthropic for a stream"
    else:
        assert call.path == f"/v1beta/models/{GEMINI_UPSTREAM}:streamGenerateContent", call.path
        assert "alt=sse" in call.query.split("&"), f"Gemini streamed without alt=sse (query {call.query!r}): it answers a JSON array then"
    assert_usage_row(tx, raw.headers["x-request-id"], model=expected.model, usage=expected.stream_usage, stream=True)


@pytest.mark.parametrize("model", [pytest.param(CLAUDE, id="claude"), pytest.param(GEMINI, id="gemini")])
def test_openai_stream_of_tool_calls_on_a_translated_model_assembles_ids_names_and_arguments(tx: Translated, model: str) -> None:
    stream = tx.openai().chat.completions.create(model=model, messages=user("What's the weather in Paris and Tokyo?"), tools=[WEATHER_TOOL], stream=True)
    calls, content, finishes = assemble_stream(stream)

    assert sorted(calls) == [0, 1], f"tool call indexes {sorted(calls)}"
    assert [(calls[i]["name"], json.loads(calls[i]["arguments"] or "null")) for i in (0, 1)] == [("get_weather", c) for c in CITIES]
    ids = [calls[i]["id"] for i in (0, 1)]
    if model == CLAUDE:
        assert ids == list(ANTHROPIC_TOOL_IDS), "streamed tool call ids must be Anthropic's tool_use ids"
        assert content == CLAUDE_TOOL_PREAMBLE
    else:
        assert all(ids) and len(set(ids)) == 2, f"streamed tool call ids must be present and distinct: {ids}"
    assert finishes == ["tool_calls"], f"finish reasons {finishes}"


@pytest.mark.parametrize("model", [pytest.param(CLAUDE, id="claude"), pytest.param(GEMINI, id="gemini")])
def test_openai_stream_in_json_schema_mode_on_a_translated_model_streams_the_json_as_content(tx: Translated, model: str) -> None:
    stream = tx.openai().chat.completions.create(
        model=model,
        messages=user("The weather in Paris, as JSON."),
        response_format={"type": "json_schema", "json_schema": {"name": "weather", "strict": True, "schema": WEATHER_SCHEMA}},
        stream=True,
    )
    calls, content, finishes = assemble_stream(stream)

    assert not calls, f"JSON mode must not stream tool calls to the client: {calls}"
    assert json.loads(content or "null") == WEATHER_INSTANCE, f"streamed content {content!r}"
    assert finishes == ["stop"], f"finish reasons {finishes}"


# =========================================================================== OpenAI SDK -> Claude: what Anthropic receives


def test_claude_receives_a_messages_call_with_the_provider_key_version_and_default_max_tokens(tx: Translated) -> None:
    tx.openai().chat.completions.create(model=CLAUDE, messages=user("Say hello"))

    call = tx.last_upstream_call(CLAUDE)
    assert (call.method, call.path) == ("POST", "/v1/messages")
    assert call.header("x-api-key") == ANTHROPIC_KEY
    assert call.header("anthropic-version") == ANTHROPIC_VERSION
    assert_no_client_key_upstream(tx, call)
    body = call.json
    assert body["model"] == CLAUDE_UPSTREAM
    assert body["max_tokens"] == DEFAULT_MAX_TOKENS, f"max_tokens {body.get('max_tokens')!r}: the default for a client that gave none is {DEFAULT_MAX_TOKENS}"
    assert [(m["role"], block_texts(m["content"])) for m in body["messages"]] == [("user", ["Say hello"])]
    assert not body.get("stream")


def test_system_messages_go_to_claudes_top_level_system(tx: Translated) -> None:
    tx.openai().chat.completions.create(
        model=CLAUDE, messages=[{"role": "system", "content": "You are terse."}, {"role": "user", "content": "Say hello"}], max_tokens=64
    )

    body = tx.last_upstream_call(CLAUDE).json
    assert anthropic_system_text(body.get("system")) == "You are terse."
    assert [m["role"] for m in body["messages"]] == ["user"], "the system prompt must not stay among the messages"
    assert body["max_tokens"] == 64


def test_claude_tool_calls_round_trip_with_their_ids_as_tool_result_blocks(tx: Translated) -> None:
    client = tx.openai()
    question = user("What's the weather in Paris and Tokyo?")
    first = client.chat.completions.create(model=CLAUDE, messages=question, tools=[WEATHER_TOOL])

    sent_tools = tx.last_upstream_call(CLAUDE).json.get("tools")
    assert [t["name"] for t in sent_tools or []] == ["get_weather"]
    assert sent_tools[0]["input_schema"]["properties"] == WEATHER_TOOL["function"]["parameters"]["properties"]
    assert sent_tools[0].get("description") == WEATHER_TOOL["function"]["description"]
    choice = first.choices[0]
    assert choice.finish_reason == "tool_calls"
    assert choice.message.content == CLAUDE_TOOL_PREAMBLE, "the text Claude wrote before its tool calls is the message content"
    calls = choice.message.tool_calls or []
    assert [c.id for c in calls] == list(ANTHROPIC_TOOL_IDS), "tool call ids must be Anthropic's tool_use ids"
    assert [(c.type, c.function.name) for c in calls] == [("function", "get_weather")] * 2
    assert [json.loads(c.function.arguments) for c in calls] == CITIES

    history = question + [
        {"role": "assistant", "content": choice.message.content, "tool_calls": tool_call_dicts(calls)},
        *({"role": "tool", "tool_call_id": c.id, "content": result} for c, result in zip(calls, TOOL_RESULTS)),
    ]
    final = client.chat.completions.create(model=CLAUDE, messages=history, tools=[WEATHER_TOOL])

    assert final.choices[0].finish_reason == "stop"
    answer = final.choices[0].message.content or ""
    for tool_id, result in zip(ANTHROPIC_TOOL_IDS, TOOL_RESULTS):
        assert f"{tool_id} -> {result}" in answer, f"the final answer does not carry the result of {tool_id}: {answer!r}"
    messages = tx.last_upstream_call(CLAUDE).json["messages"]
    assert [m["role"] for m in messages] == ["user", "assistant", "user"], "the tool results must form one user turn"
    uses = [b for b in blocks(messages[1]["content"]) if b["type"] == "tool_use"]
    assert [(u["id"], u["name"], u["input"]) for u in uses] == [(i, "get_weather", c) for i, c in zip(ANTHROPIC_TOOL_IDS, CITIES)]
    results = blocks(messages[2]["content"])
    assert [b["type"] for b in results] == ["tool_result", "tool_result"]
    assert [b["tool_use_id"] for b in results] == list(ANTHROPIC_TOOL_IDS)
    assert [" ".join(block_texts(b["content"])) if not isinstance(b["content"], str) else b["content"] for b in results] == TOOL_RESULTS


def test_claude_json_schema_mode_answers_through_the_forced_json_response_tool(tx: Translated) -> None:
    completion = tx.openai().chat.completions.create(
        model=CLAUDE,
        messages=user("The weather in Paris, as JSON."),
        response_format={"type": "json_schema", "json_schema": {"name": "weather", "strict": True, "schema": WEATHER_SCHEMA}},
    )

    choice = completion.choices[0]
    assert choice.finish_reason == "stop", "a JSON-mode answer ends with 'stop', not 'tool_calls'"
    assert not choice.message.tool_calls, "the json_response tool call must not reach the client as a tool call"
    assert json.loads(choice.message.content or "null") == WEATHER_INSTANCE
    body = tx.last_upstream_call(CLAUDE).json
    assert [t["name"] for t in body.get("tools") or []] == [JSON_RESPONSE_TOOL]
    assert body["tools"][0]["input_schema"]["properties"] == WEATHER_SCHEMA["properties"]
    assert body["tools"][0]["input_schema"].get("required") == WEATHER_SCHEMA["required"]
    choice_sent = body.get("tool_choice") or {}
    assert (choice_sent.get("type"), choice_sent.get("name")) == ("tool", JSON_RESPONSE_TOOL), f"tool_choice sent: {choice_sent!r}"


# One user turn asking about two images: a data URL and an https URL.
IMAGE_QUESTION = [
    {
        "role": "user",
        "content": [
            {"type": "text", "text": "What is in these images?"},
            {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PNG_1X1}"}},
            {"type": "image_url", "image_url": {"url": IMAGE_URL}},
        ],
    }
]


def test_claude_gets_images_as_base64_and_url_image_blocks(tx: Translated) -> None:
    tx.openai().chat.completions.create(
        model=CLAUDE,
        messages=IMAGE_QUESTION,
    )

    content = blocks(tx.last_upstream_call(CLAUDE).json["messages"][0]["content"])
    assert content == [
        {"type": "text", "text": "What is in these images?"},
        {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": PNG_1X1}},
        {"type": "image", "source": {"type": "url", "url": IMAGE_URL}},
    ]


def test_claude_overloaded_529_reaches_the_openai_client_as_a_503(tx: Translated) -> None:
    tx.anthropic_fake.script(["status:529"])

    with pytest.raises(openai.APIStatusError) as excinfo:
        tx.openai().chat.completions.create(model=CLAUDE, messages=user("Say hello"))

    assert_openai_error(excinfo.value.response, 503)
    calls = tx.upstream_calls(CLAUDE)
    assert len(calls) == 1 and calls[0].status == 529, [c.summary() for c in calls]


def test_claude_error_event_mid_stream_ends_the_openai_stream_with_an_error(tx: Translated) -> None:
    tx.anthropic_fake.script(["stream_error"])  # message_start, one text delta, then an `error` event (overloaded_error)
    pieces: list[str] = []
    finishes: list[str] = []

    with pytest.raises(openai.APIError) as excinfo:
        for chunk in tx.openai().chat.completions.create(model=CLAUDE, messages=user("Say hello"), stream=True):
            pieces += [c.delta.content for c in chunk.choices if c.delta.content]
            finishes += [c.finish_reason for c in chunk.choices if c.finish_reason]

    assert "".join(pieces) == "Hello", f"the text sent before the error event should reach the client: {pieces}"
    assert not finishes, f"a stream cut by an upstream error must not end with a finish reason: {finishes}"
    assert "overloaded" in str(excinfo.value).lower(), f"the stream error should say Anthropic was overloaded: {excinfo.value}"


# =========================================================================== OpenAI SDK -> Gemini: what Gemini receives


def test_gemini_receives_generate_content_with_its_key_and_the_model_in_the_path(tx: Translated) -> None:
    tx.openai().chat.completions.create(model=GEMINI, messages=user("Say hello"))

    call = tx.last_upstream_call(GEMINI)
    assert (call.method, call.path) == ("POST", f"/v1beta/models/{GEMINI_UPSTREAM}:generateContent")
    assert call.header("x-goog-api-key") == GEMINI_KEY
    assert "key=" not in call.query, "the Gemini key belongs in x-goog-api-key, not in the URL (where logs keep it)"
    assert_no_client_key_upstream(tx, call)
    assert [(c["role"], gemini_text(c)) for c in call.json["contents"]] == [("user", "Say hello")]


def test_system_messages_go_to_geminis_system_instruction(tx: Translated) -> None:
    tx.openai().chat.completions.create(model=GEMINI, messages=[{"role": "system", "content": "You are terse."}, {"role": "user", "content": "Say hello"}])

    body = tx.last_upstream_call(GEMINI).json
    instruction = body.get("systemInstruction") or body.get("system_instruction")
    assert instruction is not None, f"no systemInstruction in {sorted(body)}"
    assert gemini_text(instruction) == "You are terse."
    assert [(c["role"], gemini_text(c)) for c in body["contents"]] == [("user", "Say hello")], "the system prompt must not stay among the contents"


def test_gemini_tool_calls_round_trip_with_ids_as_function_response_parts(tx: Translated) -> None:
    client = tx.openai()
    question = user("What's the weather in Paris and Tokyo?")
    first = client.chat.completions.create(model=GEMINI, messages=question, tools=[WEATHER_TOOL])

    declarations = [d for t in tx.last_upstream_call(GEMINI).json.get("tools") or [] for d in t.get("functionDeclarations") or []]
    assert [d["name"] for d in declarations] == ["get_weather"]
    assert declarations[0].get("description") == WEATHER_TOOL["function"]["description"]
    assert set((declarations[0].get("parameters") or declarations[0].get("parametersJsonSchema") or {}).get("properties", {})) == {"location"}
    choice = first.choices[0]
    assert choice.finish_reason == "tool_calls", "Gemini answers function calls with finishReason STOP; OpenAI clients expect 'tool_calls'"
    calls = choice.message.tool_calls or []
    assert [(c.type, c.function.name) for c in calls] == [("function", "get_weather")] * 2
    assert [json.loads(c.function.arguments) for c in calls] == CITIES
    ids = [c.id for c in calls]
    assert all(ids) and len(set(ids)) == 2, f"tool call ids must be present and distinct: {ids}"

    history = question + [
        {"role": "assistant", "content": choice.message.content, "tool_calls": tool_call_dicts(calls)},
        *({"role": "tool", "tool_call_id": c.id, "content": result} for c, result in zip(calls, TOOL_RESULTS)),
    ]
    final = client.chat.completions.create(model=GEMINI, messages=history, tools=[WEATHER_TOOL])

    assert final.choices[0].finish_reason == "stop"
    answer = final.choices[0].message.content or ""
    assert answer.startswith("Here is what the functions returned"), f"the fake did not see the function responses: {answer!r}"
    contents = tx.last_upstream_call(GEMINI).json["contents"]
    assert [c["role"] for c in contents[:2]] == ["user", "model"]
    called = [p["functionCall"] for p in gemini_parts(contents[1]) if "functionCall" in p]
    assert [(f["name"], f.get("args")) for f in called] == [("get_weather", c) for c in CITIES]
    responses = [p["functionResponse"] for c in contents[2:] if c["role"] == "user" for p in gemini_parts(c) if "functionResponse" in p]
    assert [r["name"] for r in responses] == ["get_weather", "get_weather"], "each tool result must name its function (found by its call id)"
    for response, result in zip(responses, TOOL_RESULTS):
        value = json.loads(result)["temp_c"]
        assert str(value) in json.dumps(response["response"]), f"the tool result {result} is not in the functionResponse {response!r}"


def test_gemini_json_schema_mode_sends_the_response_schema(tx: Translated) -> None:
    completion = tx.openai().chat.completions.create(
        model=GEMINI,
        messages=user("The weather in Paris, as JSON."),
        response_format={"type": "json_schema", "json_schema": {"name": "weather", "strict": True, "schema": WEATHER_SCHEMA}},
    )

    assert completion.choices[0].finish_reason == "stop"
    assert json.loads(completion.choices[0].message.content or "null") == WEATHER_INSTANCE
    config = tx.last_upstream_call(GEMINI).json.get("generationConfig") or {}
    assert config.get("responseMimeType") == "application/json", f"generationConfig sent: {config!r}"
    schema = config.get("responseSchema") or config.get("responseJsonSchema")
    assert schema, f"no responseSchema in generationConfig: {config!r}"
    assert set(schema.get("properties", {})) == set(WEATHER_SCHEMA["properties"])
    assert sorted(schema.get("required", [])) == sorted(WEATHER_SCHEMA["required"])


def test_gemini_gets_images_as_inline_data_and_file_data(tx: Translated) -> None:
    tx.openai().chat.completions.create(
        model=GEMINI,
        messages=IMAGE_QUESTION,
    )

    parts = gemini_parts(tx.last_upstream_call(GEMINI).json["contents"][0])
    assert len(parts) == 3, parts
    assert parts[0] == {"text": "What is in these images?"}
    assert parts[1] == {"inlineData": {"mimeType": "image/png", "data": PNG_1X1}}
    file_data = parts[2].get("fileData")
    assert file_data is not None and file_data.get("fileUri") == IMAGE_URL, parts[2]
    assert str(file_data.get("mimeType", "image/")).startswith("image/"), parts[2]


def test_gemini_429_reaches_the_openai_client_as_a_429(tx: Translated) -> None:
    tx.gemini_fake.script(["status:429"])

    with pytest.raises(openai.RateLimitError) as excinfo:
        tx.openai().chat.completions.create(model=GEMINI, messages=user("Say hello"))

    assert_openai_error(excinfo.value.response, 429)
    assert len(tx.upstream_calls(GEMINI)) == 1


def test_gemini_safety_stop_is_finish_reason_content_filter(tx: Translated) -> None:
    tx.gemini_fake.script(["safety", "safety"])
    client = tx.openai()

    completion = client.chat.completions.create(model=GEMINI, messages=user("Something unsafe"))
    assert completion.choices[0].finish_reason == "content_filter"
    assert not completion.choices[0].message.content, "a blocked candidate has no content"

    _, pieces, finishes = collect_stream(client.chat.completions.create(model=GEMINI, messages=user("Something unsafe"), stream=True))
    assert "".join(pieces) == "Sure, here is how", "the text streamed before the block must reach the client"
    assert finishes == ["content_filter"], f"finish reasons {finishes}"


@pytest.mark.parametrize(
    ("model", "text"),
    [pytest.param(CLAUDE, "Hello! I'm Claude. How", id="claude"), pytest.param(GEMINI, "Hello! I'm Gemini. How", id="gemini")],
)
def test_an_answer_cut_by_the_token_limit_has_finish_reason_length(tx: Translated, model: str, text: str) -> None:
    tx.fake_for(model).script(["max_tokens", "max_tokens"])  # Anthropic stop_reason max_tokens / Gemini finishReason MAX_TOKENS
    client = tx.openai()

    completion = client.chat.completions.create(model=model, messages=user("Say hello"), max_tokens=8)
    assert (completion.choices[0].message.content, completion.choices[0].finish_reason) == (text, "length")

    _, pieces, finishes = collect_stream(client.chat.completions.create(model=model, messages=user("Say hello"), max_tokens=8, stream=True))
    assert "".join(pieces) == text
    assert finishes == ["length"], f"finish reasons {finishes}"


# =========================================================================== fields a provider cannot honour


@pytest.mark.parametrize(
    ("model", "field", "value"),
    [
        pytest.param(CLAUDE, "n", 2, id="claude-n"),
        pytest.param(CLAUDE, "logprobs", True, id="claude-logprobs"),
        pytest.param(GEMINI, "logprobs", True, id="gemini-logprobs"),
        pytest.param(GEMINI, "logit_bias", {"50256": -100}, id="gemini-logit_bias"),
    ],
)
def test_a_field_the_provider_cannot_honour_is_refused_naming_the_field_and_the_model(tx: Translated, model: str, field: str, value: Any) -> None:
    with pytest.raises(openai.BadRequestError) as excinfo:
        tx.openai().chat.completions.create(model=model, messages=user("Say hello"), **{field: value})

    error = assert_openai_error(excinfo.value.response, 400, "unsupported_parameter", param=field)
    assert field in error["message"] and model in error["message"], f"the message should name `{field}` and {model}: {error['message']!r}"
    assert_no_upstream_call(tx, "a refused request must not be sent upstream")


# =========================================================================== Anthropic SDK -> the gateway's Messages API


def test_anthropic_sdk_message_on_deepseek_is_served_by_the_openai_upstream(tx: Translated) -> None:
    raw = tx.anthropic().messages.with_raw_response.create(
        model=DEEPSEEK,
        max_tokens=256,
        system="You are terse.",
        messages=[{"role": "user", "content": "Say hello"}],
    )
    message = raw.parse()

    assert message.type == "message" and message.role == "assistant"
    assert [(b.type, b.text) for b in message.content] == [("text", PLAIN_TEXT)]
    assert message.stop_reason == "end_turn"
    usage = message.usage
    assert usage.output_tokens == COMPLETION_USAGE["completion_tokens"]
    assert usage.cache_read_input_tokens == COMPLETION_USAGE["cached_tokens"]
    total_input = usage.input_tokens + (usage.cache_read_input_tokens or 0) + (usage.cache_creation_input_tokens or 0)
    assert total_input == COMPLETION_USAGE["prompt_tokens"], f"input {usage.input_tokens} + cache read/creation should add up to the upstream's prompt tokens: {usage}"

    call = tx.last_upstream_call(DEEPSEEK)
    assert call.path == "/v1/chat/completions" and call.header("authorization") == f"Bearer {UPSTREAM_KEY}"
    body = call.json
    assert body["model"] == DEEPSEEK_UPSTREAM
    assert [(m["role"], openai_text(m["content"])) for m in body["messages"]] == [("system", "You are terse."), ("user", "Say hello")]
    assert body.get("max_tokens", body.get("max_completion_tokens")) == 256
    request_id = raw.headers.get("x-request-id")
    assert request_id, "a Messages API answer has no x-request-id"
    assert_usage_row(
        tx, request_id, model=DEEPSEEK, stream=False,
        usage={k: COMPLETION_USAGE[k] for k in ("prompt_tokens", "completion_tokens", "cached_tokens")},
    )  # fmt: skip


def test_anthropic_sdk_message_on_claude_reaches_the_anthropic_upstream_and_back(tx: Translated) -> None:
    message = tx.anthropic().messages.create(
        model=CLAUDE, max_tokens=300, system="You are terse.", messages=[{"role": "user", "content": "Say hello"}]
    )

    assert [(b.type, b.text) for b in message.content] == [("text", CLAUDE_TEXT)]
    assert message.stop_reason == "end_turn"
    assert (message.usage.input_tokens, message.usage.cache_read_input_tokens, message.usage.output_tokens) == (21, 1024, 13)
    call = tx.last_upstream_call(CLAUDE)
    assert call.header("x-api-key") == ANTHROPIC_KEY
    body = call.json
    assert body["model"] == CLAUDE_UPSTREAM and body["max_tokens"] == 300
    assert anthropic_system_text(body.get("system")) == "You are terse."
    assert [(m["role"], block_texts(m["content"])) for m in body["messages"]] == [("user", ["Say hello"])]


def test_anthropic_sdk_message_on_gemini_is_served_by_the_gemini_upstream(tx: Translated) -> None:
    message = tx.anthropic().messages.create(model=GEMINI, max_tokens=128, system="You are terse.", messages=[{"role": "user", "content": "Say hello"}])

    assert [(b.type, b.text) for b in message.content] == [("text", GEMINI_TEXT)]
    assert message.stop_reason == "end_turn"
    assert message._request_id and message._request_id.startswith("req_"), "the SDK reads our request id from `request-id`"
    usage = message.usage
    assert usage.output_tokens == GEMINI_USAGE["completion_tokens"] and usage.cache_read_input_tokens == GEMINI_USAGE["cached_tokens"], usage
    assert usage.input_tokens + (usage.cache_read_input_tokens or 0) + (usage.cache_creation_input_tokens or 0) == GEMINI_USAGE["prompt_tokens"], usage
    body = tx.last_upstream_call(GEMINI).json
    assert gemini_text(body.get("systemInstruction") or {}) == "You are terse."
    assert [(c["role"], gemini_text(c)) for c in body["contents"]] == [("user", "Say hello")]
    assert (body.get("generationConfig") or {}).get("maxOutputTokens") == 128


@pytest.mark.parametrize(
    ("model", "text", "usage"),
    [
        pytest.param(DEEPSEEK, STREAM_TEXT, STREAM_USAGE, id="deepseek"),
        pytest.param(CLAUDE, CLAUDE_STREAM_TEXT, CLAUDE_STREAM_USAGE, id="claude"),
    ],
)
def test_anthropic_sdk_stream_delivers_the_documented_events_text_and_final_usage(tx: Translated, model: str, text: str, usage: dict[str, int]) -> None:
    with tx.anthropic().messages.stream(model=model, max_tokens=256, messages=[{"role": "user", "content": "Say hello"}]) as stream:
        events = list(stream)
        final = stream.get_final_message()

    raw_types = [e.type for e in events if e.type not in ("text", "input_json", "citation", "thinking", "signature")]
    assert raw_types[0] == "message_start" and raw_types[-1] == "message_stop", raw_types
    for kind in ("content_block_start", "content_block_delta", "content_block_stop", "message_delta"):
        assert kind in raw_types, f"no {kind} event in {raw_types}"
    pieces = [e.delta.text for e in events if e.type == "content_block_delta" and e.delta.type == "text_delta"]
    assert "".join(pieces) == text
    assert len(pieces) >= 2, f"the text arrived in {len(pieces)} delta(s): {pieces}"
    assert [(b.type, getattr(b, "text", None)) for b in final.content] == [("text", text)]
    assert final.stop_reason == "end_turn"
    got = final.usage
    assert got.output_tokens == usage["completion_tokens"], f"final usage {got}"
    assert (got.cache_read_input_tokens or 0) == usage["cached_tokens"], f"final usage {got}"
    total_input = got.input_tokens + (got.cache_read_input_tokens or 0) + (got.cache_creation_input_tokens or 0)
    assert total_input == usage["prompt_tokens"], f"final usage {got}: input + cache read/creation should be {usage['prompt_tokens']}"
    assert tx.last_upstream_call(model).stream, "the upstream call was not a stream"


def test_anthropic_sdk_tool_use_on_deepseek_round_trips_through_openai_tool_calls(tx: Translated) -> None:
    client = tx.anthropic()
    question = {"role": "user", "content": "What's the weather in Paris and Tokyo? [[tools]]"}
    first = client.messages.create(model=DEEPSEEK, max_tokens=512, system="You are terse.", tools=[ANTHROPIC_WEATHER_TOOL], messages=[question])

    sent = tx.last_upstream_call(DEEPSEEK).json
    assert [(t["type"], t["function"]["name"]) for t in sent.get("tools") or []] == [("function", "get_weather")]
    assert sent["tools"][0]["function"]["parameters"] == ANTHROPIC_WEATHER_TOOL["input_schema"]
    assert sent["tools"][0]["function"].get("description") == ANTHROPIC_WEATHER_TOOL["description"]
    assert first.stop_reason == "tool_use"
    openai_calls = load_json_fixture("chat_completion_tool_calls.json")["choices"][0]["message"]["tool_calls"]
    uses = [b for b in first.content if b.type == "tool_use"]
    assert [(u.id, u.name, u.input) for u in uses] == [(c["id"], "get_weather", city) for c, city in zip(openai_calls, CITIES)]

    final = client.messages.create(
        model=DEEPSEEK,
        max_tokens=512,
        system="You are terse.",
        tools=[ANTHROPIC_WEATHER_TOOL],
        messages=[
            question,
            {"role": "assistant", "content": first.content},
            {
                "role": "user",
                "content": [
                    *({"type": "tool_result", "tool_use_id": u.id, "content": result} for u, result in zip(uses, TOOL_RESULTS)),
                    {"type": "text", "text": "Summarise, please."},
                ],
            },
        ],
    )

    assert [(b.type, getattr(b, "text", None)) for b in final.content] == [("text", PLAIN_TEXT)]
    assert final.stop_reason == "end_turn"
    messages = tx.last_upstream_call(DEEPSEEK).json["messages"]
    assert [m["role"] for m in messages] == ["system", "user", "assistant", "tool", "tool", "user"], [m["role"] for m in messages]
    assert [c["id"] for c in messages[2]["tool_calls"]] == [c["id"] for c in openai_calls]
    assert [json.loads(c["function"]["arguments"]) for c in messages[2]["tool_calls"]] == CITIES
    assert [(m["tool_call_id"], openai_text(m["content"])) for m in messages[3:5]] == [(c["id"], r) for c, r in zip(openai_calls, TOOL_RESULTS)]
    assert openai_text(messages[5]["content"]) == "Summarise, please."


def test_anthropic_sdk_tool_use_on_claude_keeps_the_tool_use_ids(tx: Translated) -> None:
    client = tx.anthropic()
    question = {"role": "user", "content": "What's the weather in Paris and Tokyo?"}
    first = client.messages.create(model=CLAUDE, max_tokens=512, tools=[ANTHROPIC_WEATHER_TOOL], messages=[question])

    assert first.stop_reason == "tool_use"
    uses = [b for b in first.content if b.type == "tool_use"]
    assert [(u.id, u.name, u.input) for u in uses] == [(i, "get_weather", c) for i, c in zip(ANTHROPIC_TOOL_IDS, CITIES)]
    assert [b.text for b in first.content if b.type == "text"] == [CLAUDE_TOOL_PREAMBLE]

    final = client.messages.create(
        model=CLAUDE,
        max_tokens=512,
        tools=[ANTHROPIC_WEATHER_TOOL],
        messages=[
            question,
            {"role": "assistant", "content": first.content},
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": u.id, "content": r} for u, r in zip(uses, TOOL_RESULTS)]},
        ],
    )

    assert final.stop_reason == "end_turn"
    text = "".join(b.text for b in final.content if b.type == "text")
    for tool_id, result in zip(ANTHROPIC_TOOL_IDS, TOOL_RESULTS):
        assert f"{tool_id} -> {result}" in text, f"the answer does not carry the result of {tool_id}: {text!r}"
    messages = tx.last_upstream_call(CLAUDE).json["messages"]
    assert [m["role"] for m in messages] == ["user", "assistant", "user"]
    assert [b["tool_use_id"] for b in blocks(messages[2]["content"]) if b["type"] == "tool_result"] == list(ANTHROPIC_TOOL_IDS)


@pytest.mark.parametrize("model", [pytest.param(DEEPSEEK, id="deepseek"), pytest.param(CLAUDE, id="claude")])
def test_anthropic_sdk_streamed_tool_use_arrives_as_tool_use_blocks_with_json_input(tx: Translated, model: str) -> None:
    text = "What's the weather in Paris? [[tools]]" if model == DEEPSEEK else "What's the weather in Paris and Tokyo?"
    with tx.anthropic().messages.stream(model=model, max_tokens=256, tools=[ANTHROPIC_WEATHER_TOOL], messages=[{"role": "user", "content": text}]) as stream:
        events = list(stream)
        final = stream.get_final_message()

    fragments = [e.delta.partial_json for e in events if e.type == "content_block_delta" and e.delta.type == "input_json_delta"]
    assert fragments, "tool input must stream as input_json_delta events"
    uses = [b for b in final.content if b.type == "tool_use"]
    if model == DEEPSEEK:  # the OpenAI fake streams one call (chat_completion_stream_tool_calls.sse)
        assert [(u.id, u.name, u.input) for u in uses] == [("call_DdmO9pD3xa9XTPNJ32zg2hcA", "get_weather", CITIES[0])]
    else:
        assert [(u.id, u.name, u.input) for u in uses] == [(i, "get_weather", c) for i, c in zip(ANTHROPIC_TOOL_IDS, CITIES)]
    assert final.stop_reason == "tool_use"


def test_anthropic_sdk_unknown_model_raises_not_found_error(tx: Translated) -> None:
    with pytest.raises(anthropic.NotFoundError) as excinfo:
        tx.anthropic().messages.create(model="no-such-model", max_tokens=16, messages=[{"role": "user", "content": "hi"}])

    error = excinfo.value
    assert error.status_code == 404
    assert isinstance(error.body, dict) and error.body.get("type") == "error", f"not Anthropic's error shape: {error.body!r}"
    assert error.body["error"].get("type") == "not_found_error", error.body
    assert isinstance(error.body["error"].get("message"), str) and error.body["error"]["message"], error.body
    assert_no_upstream_call(tx, "unknown model")


def test_anthropic_sdk_with_a_provider_style_sk_key_raises_authentication_error(tx: Translated) -> None:
    with pytest.raises(anthropic.AuthenticationError) as excinfo:
        tx.anthropic(api_key="sk-ant-api03-" + "A" * 40).messages.create(model=DEEPSEEK, max_tokens=16, messages=[{"role": "user", "content": "hi"}])

    error = excinfo.value
    assert error.status_code == 401
    assert isinstance(error.body, dict) and error.body.get("type") == "error", f"not Anthropic's error shape: {error.body!r}"
    assert error.body["error"].get("type") == "authentication_error", error.body
    assert_no_upstream_call(tx, "a request with a bad key")


@pytest.mark.parametrize("auth", ["x-api-key", "bearer"])
def test_messages_api_takes_the_key_in_x_api_key_or_as_a_bearer_token(tx: Translated, auth: str) -> None:
    headers = {"x-api-key": tx.key.secret} if auth == "x-api-key" else {"Authorization": f"Bearer {tx.key.secret}"}
    body = {"model": DEEPSEEK, "max_tokens": 32, "messages": [{"role": "user", "content": "Say hello"}]}
    with httpx.Client(timeout=CLIENT_TIMEOUT) as http:
        response = http.post(f"{tx.gateway.url}/v1/messages", json=body, headers={**headers, "anthropic-version": ANTHROPIC_VERSION})

    assert response.status_code == 200, f"{auth}: {response.status_code} {response.text[:500]}"
    message = response.json()
    assert message.get("type") == "message" and message.get("role") == "assistant", message
    assert [b.get("text") for b in message["content"]] == [PLAIN_TEXT]
