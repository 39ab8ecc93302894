"""Fake Anthropic and Google Gemini upstreams for HolySheep's end-to-end tests.

Both reuse the server plumbing of ``fake_upstream.py`` (a stdlib ``ThreadingHTTPServer`` on
127.0.0.1 in a background thread, HTTP/1.1 keep-alive, chunked streams, recorded requests,
``script([...])``, ``wait_for_request``), speak their provider's documented wire format, and
answer from the fixtures in ``tests/fixtures/anthropic`` and ``tests/fixtures/gemini`` (their
README cites the documentation pages). Like the real APIs they check the request first and
answer 400 for what the real API refuses, so a gateway that translates wrongly fails loudly.

FakeAnthropic -- ``POST /v1/messages`` (https://docs.anthropic.com/en/api/messages)
---------------------------------------------------------------------------------

* Needs a key, in ``x-api-key`` or (as current SDKs send it) ``Authorization: Bearer``
  (401 ``authentication_error`` without), and ``anthropic-version`` (400 without); the
  headers are recorded with the parsed body for the tests to assert on.
* Refuses with 400 ``invalid_request_error``: a missing ``max_tokens``/``model``/``messages``;
  a top-level field the Messages API does not have (``Extra inputs are not permitted``: catches
  OpenAI fields leaking through, e.g. ``n``, ``response_format``, ``stream_options``); a
  ``system`` role inside ``messages``; roles other than user/assistant, a first turn that is
  not ``user``, or two turns of one role in a row (the live API merges consecutive turns; this
  fake is stricter on purpose, as the brief asks, so a gateway must send a clean alternation);
  empty content or empty text blocks; a ``tool_result`` whose ``tool_use_id`` is not a
  ``tool_use`` of the previous assistant turn; ``tool_use`` ids left without a ``tool_result``
  in the next turn; ``tool_result`` blocks after other content in their turn; ``temperature``
  or ``top_p`` outside 0..1; a malformed image source, tool or ``tool_choice``.
* Answers (``stop_reason`` in brackets):
  - ``tool_choice`` ``{"type": "tool", "name": N}``: one ``tool_use`` of N whose ``input`` is
    an instance of N's ``input_schema`` (``schema_instance``: strings "x", numbers 1, booleans
    true, ...) [tool_use]; for ``json_response`` that is the JSON-mode answer.
  - the last user turn holds ``tool_result`` blocks: a text naming each result [end_turn].
  - ``tools`` given (and ``tool_choice`` not ``none``): a text block then two parallel
    ``tool_use`` calls of the first tool, ids ``ANTHROPIC_TOOL_IDS``, string properties filled
    with "Paris, France" and "Tokyo, Japan" (one call when ``disable_parallel_tool_use``)
    [tool_use].
  - otherwise ``message.json`` [end_turn].
  With ``stream: true`` the same message is sent as the documented event sequence:
  ``message_start`` (usage with ``cache_read_input_tokens``), ``ping``,
  ``content_block_start``/``_delta``/``_stop`` per block (``text_delta`` pieces, or
  ``input_json_delta`` fragments starting with an empty one), ``message_delta`` (stop_reason,
  output usage), ``message_stop``. The plain text stream is ``message_stream.sse`` as stored.
* Scripted behaviours (``fake.script([...])``, one per ``POST /v1/messages``, consumed in order,
  applied after the request passed validation): ``ok``; ``status:N`` (HTTP N with Anthropic's
  error body for N: 529 ``overloaded_error``, 429 ``rate_limit_error`` + ``retry-after: 1``,
  ...); ``max_tokens`` (the plain text cut after ``TRUNCATED_WORDS`` words, ``stop_reason:
  max_tokens``); ``hang``; ``delay_head:MS``; ``close``; ``stream_error`` (a stream that sends
  an ``error`` event with ``overloaded_error`` after the first text delta, as the streaming
  docs describe).

FakeGemini -- ``POST /v1beta/models/{model}:generateContent`` and
``:streamGenerateContent?alt=sse`` (https://ai.google.dev/api/generate-content)
---------------------------------------------------------------------------------

* Needs ``x-goog-api-key`` (or ``?key=``): 403 ``PERMISSION_DENIED`` without.
* Refuses with 400 ``INVALID_ARGUMENT``: empty or missing ``contents``; a role other than
  ``user``/``model``; a top-level field ``GenerateContentRequest`` does not have (``Unknown name
  "x": Cannot find field.``); a part without exactly one data field (``text``, ``inlineData``,
  ``fileData``, ``functionCall``, ``functionResponse``, ...); a ``functionResponse`` without a
  ``name`` or whose ``response`` is not a JSON object; ``inlineData``/``fileData`` without
  ``mimeType``/``data``/``fileUri``; an unknown ``generationConfig`` field.
* Answers:
  - ``generationConfig.responseMimeType`` ``application/json``: a text that is JSON, an instance
    of ``responseSchema`` (or ``responseJsonSchema``; ``{"result": "x"}`` without a schema).
  - the last user content holds ``functionResponse`` parts: a text naming each function and
    its response.
  - ``tools`` with ``functionDeclarations`` (and ``toolConfig`` mode not ``NONE``): two
    ``functionCall`` parts of the first function (or the first ``allowedFunctionNames``) in one
    candidate, args filled as for Anthropic, ``finishReason: STOP``.
  - otherwise ``generate_content.json``.
  Streams are SSE ``data:`` events, each a whole ``GenerateContentResponse``, framed with CRLF
  line endings (valid SSE; the live API sends them): text split over several events,
  ``usageMetadata`` on each (cumulative) and complete on the last, which has ``finishReason``.
  The plain text stream is ``generate_content_stream.sse``. ``streamGenerateContent`` without
  ``alt=sse`` answers one JSON array of the same responses, as the live API does.
* Scripted behaviours: ``ok``; ``status:N`` (Gemini's ``{"error": {"code", "message",
  "status"}}``, e.g. 429 ``RESOURCE_EXHAUSTED``); ``safety`` (a candidate with ``finishReason:
  SAFETY`` and safety ratings, no content; in a stream after one text event); ``max_tokens``
  (the plain text cut after ``TRUNCATED_WORDS`` words, ``finishReason: MAX_TOKENS``); ``hang``;
  ``delay_head:MS``; ``close``.

Run them alone with ``python tests/e2e/fake_providers.py``.
"""

from __future__ import annotations

import copy
import json
import re
import time
from pathlib import Path
from typing import Any, Optional

from fake_upstream import FakeUpstream, RecordedRequest, SSEDataCollector, _Handler

FIXTURES_ROOT = Path(__file__).resolve().parent.parent / "fixtures"
ANTHROPIC_FIXTURES = FIXTURES_ROOT / "anthropic"
GEMINI_FIXTURES = FIXTURES_ROOT / "gemini"

ANTHROPIC_KEY = "sk-ant-fake"
GEMINI_KEY = "gem-fake-key"
ANTHROPIC_VERSION = "2023-06-01"

ANTHROPIC_TOOL_IDS = ("toolu_01A09q90qw90lq917835lq9", "toolu_01T1x1fJ34qAmk2tNTrN7Up6")
PARALLEL_STRINGS = ("Paris, France", "Tokyo, Japan")  # string arguments of the 1st and 2nd parallel call
JSON_RESPONSE_TOOL = "json_response"

HANG_SECONDS = 20.0
TRUNCATED_WORDS = 4  # ``max_tokens`` behaviour: the answer keeps this many words of the plain text

# --------------------------------------------------------------------------- fixtures


def load_json(folder: Path, name: str) -> Any:
    return json.loads((folder / name).read_text(encoding="utf-8"))


def load_sse_events(folder: Path, name: str) -> list[tuple[Optional[str], str]]:
    """The ``(event name, data)`` pairs of an .sse fixture, in order."""
    events: list[tuple[Optional[str], str]] = []
    collector = SSEDataCollector()
    name_of_event: Optional[str] = None
    for line in (folder / name).read_text(encoding="utf-8").splitlines():
        if line.startswith("event:"):
            name_of_event = line[len("event:") :].strip()
            continue
        if (data := collector.feed(line)) is not None:
            events.append((name_of_event, data))
            name_of_event = None
    if (data := collector.finish()) is not None:
        events.append((name_of_event, data))
    return events


# --------------------------------------------------------------------------- JSON Schema


def schema_instance(schema: Any, string: str = "x", root: Any = None) -> Any:
    """A small value conforming to a JSON Schema (or Gemini's OpenAPI-subset ``Schema``, whose
    types are upper case): ``const``/first ``enum`` value; objects with their ``required``
    properties (all properties when there is no ``required``); strings ``string``; integers and
    numbers 1; booleans true; arrays of ``minItems`` (at least 1) items; null None."""
    root = schema if root is None else root
    if not isinstance(schema, dict):
        return {}
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/"):
        target: Any = root
        for piece in ref[2:].split("/"):
            target = target.get(piece, {}) if isinstance(target, dict) else {}
        return schema_instance(target, string, root)
    if "const" in schema:
        return schema["const"]
    if isinstance(schema.get("enum"), list) and schema["enum"]:
        return schema["enum"][0]
    for key in ("anyOf", "oneOf", "allOf"):
        options = schema.get(key)
        if isinstance(options, list) and options:
            chosen = next((o for o in options if not (isinstance(o, dict) and str(o.get("type", "")).lower() == "null")), options[0])
            return schema_instance(chosen, string, root)
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((t for t in kind if str(t).lower() != "null"), "null")
    kind = str(kind or ("object" if "properties" in schema else "string")).lower()
    if kind == "object":
        properties = schema.get("properties") if isinstance(schema.get("properties"), dict) else {}
        required = schema.get("required")
        names = [n for n in required if isinstance(n, str)] if isinstance(required, list) else list(properties)
        return {name: schema_instance(properties.get(name, {}), string, root) for name in names}
    if kind == "array":
        count = max(1, int(schema.get("minItems") or 1))
        return [schema_instance(schema.get("items", {}), string, root) for _ in range(count)]
    if kind == "string":
        return string
    if kind in ("integer", "number"):
        return 1
    if kind == "boolean":
        return True
    return None


def _split(text: str, pieces: int) -> list[str]:
    """``text`` cut into up to ``pieces`` non-empty parts, in order."""
    if len(text) <= 1 or pieces <= 1:
        return [text]
    size = -(-len(text) // pieces)
    return [text[i : i + size] for i in range(0, len(text), size)]


# --------------------------------------------------------------------------- records


class AnthropicRequest(RecordedRequest):
    """A request received by FakeAnthropic."""

    @property
    def is_chat(self) -> bool:  # a Messages call
        return self.method == "POST" and self.path == "/v1/messages"

    def summary(self) -> str:
        body = self.json if isinstance(self.json, dict) else {}
        roles = [m.get("role") for m in body.get("messages") or [] if isinstance(m, dict)]
        return (
            f"#{self.seq} {self.method} {self.path} model={self.model!r} stream={self.stream} roles={roles} "
            f"tools={[t.get('name') for t in body.get('tools') or [] if isinstance(t, dict)]} "
            f"behaviour={self.behaviour} status={self.status} {'completed' if self.completed else 'not completed'}"
        )


GEMINI_PATH_RE = re.compile(r"^/v1beta/models/(?P<model>[^/:]+):(?P<method>generateContent|streamGenerateContent)$")


class GeminiRequest(RecordedRequest):
    """A request received by FakeGemini (the model and the streaming flag are in the path)."""

    @property
    def _match(self) -> Optional[re.Match[str]]:
        return GEMINI_PATH_RE.match(self.path)

    @property
    def is_chat(self) -> bool:  # a generateContent / streamGenerateContent call
        return self.method == "POST" and self._match is not None

    @property
    def model(self) -> Optional[str]:
        match = self._match
        return match.group("model") if match else None

    @property
    def stream(self) -> bool:
        match = self._match
        return bool(match and match.group("method") == "streamGenerateContent")

    def summary(self) -> str:
        body = self.json if isinstance(self.json, dict) else {}
        roles = [c.get("role") for c in body.get("contents") or [] if isinstance(c, dict)]
        return (
            f"#{self.seq} {self.method} {self.path}{'?' + self.query if self.query else ''} roles={roles} "
            f"behaviour={self.behaviour} status={self.status} {'completed' if self.completed else 'not completed'}"
        )


# --------------------------------------------------------------------------- shared handler bits


class _ProviderHandler(_Handler):
    """The plumbing of fake_upstream's handler; subclasses speak one provider's wire format."""

    def _takes_behaviour(self, method: str, path: str) -> bool:
        raise NotImplementedError

    def _sse(self, record: RecordedRequest, *, status: int = 200) -> None:
        record.status = status
        self.send_response(status)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self._common_headers(record)
        self.end_headers()
        self.wfile.flush()

    def _event(self, record: RecordedRequest, text: str) -> None:
        self._write_chunk(text.encode("utf-8"))
        record.events_sent += 1
        self.server.owner._changed()

    def _end_chunks(self) -> None:
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def _common_behaviour(self, record: RecordedRequest, behaviour: str) -> None:
        """Carry out ``hang`` and ``close`` (which end the request by closing the connection) and
        the delay of ``delay_head`` (after which the request is answered normally)."""
        name, _, arg = behaviour.partition(":")
        if name == "hang":
            self._wait(record, HANG_SECONDS)
            self._drop(reset=False)  # still there after HANG_SECONDS: give up without answering
        elif name == "close":
            self._drop(reset=False)
        elif name == "delay_head":
            self._wait(record, int(arg) / 1000)


# =========================================================================== Anthropic

ANTHROPIC_ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    402: "billing_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    504: "timeout_error",
    529: "overloaded_error",
}
ANTHROPIC_ERROR_FIXTURES = {
    400: "error_400_invalid_request_error.json",
    401: "error_401_authentication_error.json",
    404: "error_404_not_found_error.json",
    429: "error_429_rate_limit_error.json",
    529: "error_529_overloaded_error.json",
}
ANTHROPIC_TOP_LEVEL = {
    "model", "messages", "max_tokens", "system", "metadata", "stop_sequences", "stream", "temperature", "top_p",
    "top_k", "tools", "tool_choice", "thinking", "service_tier", "container", "mcp_servers", "context_management",
}  # fmt: skip
ANTHROPIC_IMAGE_TYPES = {"image/jpeg", "image/png", "image/gif", "image/webp"}
ANTHROPIC_BEHAVIOUR_RE = re.compile(r"ok|hang|close|stream_error|max_tokens|status:\d{3}|delay_head:\d+")


def anthropic_error_body(status: int, message: Optional[str] = None) -> dict[str, Any]:
    """Anthropic's error body for HTTP ``status`` (https://docs.anthropic.com/en/api/errors)."""
    if status in ANTHROPIC_ERROR_FIXTURES:
        body = load_json(ANTHROPIC_FIXTURES, ANTHROPIC_ERROR_FIXTURES[status])
    else:
        kind = ANTHROPIC_ERROR_TYPES.get(status, "api_error" if status >= 500 else "invalid_request_error")
        body = {"type": "error", "error": {"type": kind, "message": f"The fake Anthropic answered HTTP {status}."}, "request_id": "req_fake"}
    if message is not None:
        body["error"]["message"] = message
    return body


class AnthropicInvalid(Exception):
    """A request the Messages API refuses with 400 ``invalid_request_error``."""


def _blocks(content: Any) -> list[Any]:
    return [{"type": "text", "text": content}] if isinstance(content, str) else content if isinstance(content, list) else []


def validate_anthropic_request(body: Any) -> None:
    """Raise AnthropicInvalid with the API's kind of message for what the Messages API refuses."""
    if not isinstance(body, dict):
        raise AnthropicInvalid("There was an issue with your request body: it is not a JSON object.")
    for field in ("model", "max_tokens", "messages"):
        if field not in body:
            raise AnthropicInvalid(f"{field}: Field required")
    extra = sorted(set(body) - ANTHROPIC_TOP_LEVEL)
    if extra:
        raise AnthropicInvalid(f"{extra[0]}: Extra inputs are not permitted")
    if not isinstance(body["model"], str) or not body["model"]:
        raise AnthropicInvalid("model: Input should be a valid string")
    if not isinstance(body["max_tokens"], int) or isinstance(body["max_tokens"], bool) or body["max_tokens"] < 1:
        raise AnthropicInvalid("max_tokens: Input should be a valid integer greater than or equal to 1")
    for field in ("temperature", "top_p"):
        value = body.get(field)
        if value is not None and (not isinstance(value, (int, float)) or isinstance(value, bool) or not 0 <= value <= 1):
            raise AnthropicInvalid(f"{field}: range: 0..1")
    if "metadata" in body and (not isinstance(body["metadata"], dict) or set(body["metadata"]) - {"user_id"}):
        raise AnthropicInvalid("metadata: only `user_id` is permitted")
    system = body.get("system")
    if system is not None and not isinstance(system, str):
        if not isinstance(system, list) or not all(isinstance(b, dict) and b.get("type") == "text" and isinstance(b.get("text"), str) for b in system):
            raise AnthropicInvalid("system: Input should be a valid string or a list of text blocks")
    stop = body.get("stop_sequences")
    if stop is not None and (not isinstance(stop, list) or not all(isinstance(s, str) and s.strip() for s in stop)):
        raise AnthropicInvalid("stop_sequences: each stop sequence must be a string containing non-whitespace")
    tool_names = _validate_anthropic_tools(body)

    messages = body["messages"]
    if not isinstance(messages, list) or not messages:
        raise AnthropicInvalid("messages: at least one message is required")
    previous_tool_uses: set[str] = set()
    for i, message in enumerate(messages):
        if not isinstance(message, dict):
            raise AnthropicInvalid(f"messages.{i}: Input should be a valid dictionary")
        role = message.get("role")
        if role == "system":
            raise AnthropicInvalid(
                'messages: Unexpected role "system". The Messages API accepts a top-level `system` parameter, '
                "not \"system\" as an input message role."
            )
        if role not in ("user", "assistant"):
            raise AnthropicInvalid(f"messages.{i}.role: Input should be 'user' or 'assistant'")
        if i == 0 and role != "user":
            raise AnthropicInvalid('messages: first message must use the "user" role')
        if i > 0 and messages[i - 1].get("role") == role:
            raise AnthropicInvalid(f'messages: roles must alternate between "user" and "assistant", but found multiple "{role}" roles in a row')
        content = message.get("content")
        last_assistant = role == "assistant" and i == len(messages) - 1
        if isinstance(content, str):
            if not content and not last_assistant:
                raise AnthropicInvalid(f"messages.{i}: all messages must have non-empty content except for the optional final assistant message")
        elif isinstance(content, list):
            if not content and not last_assistant:
                raise AnthropicInvalid(f"messages.{i}: all messages must have non-empty content except for the optional final assistant message")
        else:
            raise AnthropicInvalid(f"messages.{i}.content: Input should be a valid string or a list of content blocks")
        blocks = _blocks(content)
        tool_uses: set[str] = set()
        results: list[str] = []
        seen_other = False
        for j, block in enumerate(blocks):
            where = f"messages.{i}.content.{j}"
            if not isinstance(block, dict):
                raise AnthropicInvalid(f"{where}: Input should be a valid dictionary")
            kind = block.get("type")
            if kind == "text":
                if not isinstance(block.get("text"), str) or (not block["text"] and isinstance(content, list)):
                    raise AnthropicInvalid(f"{where}.text: text content blocks must be non-empty")
                seen_other = True
            elif kind == "image":
                _validate_anthropic_image(block, where)
                seen_other = True
            elif kind == "document":
                seen_other = True
            elif kind == "tool_use":
                if role != "assistant":
                    raise AnthropicInvalid(f"{where}: `tool_use` blocks can only be in `assistant` messages")
                if not isinstance(block.get("id"), str) or not block["id"] or not isinstance(block.get("name"), str):
                    raise AnthropicInvalid(f"{where}: `tool_use` blocks need an `id` and a `name`")
                if not isinstance(block.get("input"), dict):
                    raise AnthropicInvalid(f"{where}.input: Input should be a valid dictionary")
                tool_uses.add(block["id"])
                seen_other = True
            elif kind == "tool_result":
                if role != "user":
                    raise AnthropicInvalid(f"{where}: `tool_result` blocks can only be in `user` messages")
                if seen_other:
                    raise AnthropicInvalid(f"{where}: tool_result blocks must come FIRST in the content array, before any other content")
                tool_use_id = block.get("tool_use_id")
                if tool_use_id not in previous_tool_uses:
                    raise AnthropicInvalid(
                        f"{where}: unexpected `tool_use_id` found in `tool_result` blocks: {tool_use_id}. Each `tool_result` "
                        "block must have a corresponding `tool_use` block in the previous message."
                    )
                result = block.get("content")
                if result is not None and not isinstance(result, str):
                    if not isinstance(result, list) or not all(isinstance(b, dict) and b.get("type") in ("text", "image") for b in result):
                        raise AnthropicInvalid(f"{where}.content: Input should be a valid string or a list of text/image blocks")
                results.append(tool_use_id)
            elif kind in ("thinking", "redacted_thinking"):
                seen_other = True
            else:
                raise AnthropicInvalid(f"{where}.type: Input tag '{kind}' found using 'type' does not match any of the expected tags")
        missing = sorted(previous_tool_uses - set(results))
        if previous_tool_uses and missing:
            raise AnthropicInvalid(
                f"messages.{i}: `tool_use` ids were found without `tool_result` blocks immediately after: {', '.join(missing)}. "
                "Each `tool_use` block must have a corresponding `tool_result` block in the next message."
            )
        previous_tool_uses = tool_uses
    choice = body.get("tool_choice")
    if choice is not None:
        if not isinstance(choice, dict) or choice.get("type") not in ("auto", "any", "tool", "none"):
            raise AnthropicInvalid("tool_choice: Input tag found using 'type' does not match any of the expected tags: 'auto', 'any', 'tool', 'none'")
        if not tool_names and choice.get("type") != "none":
            raise AnthropicInvalid("tool_choice: tool_choice may only be specified while providing tools")
        if choice.get("type") == "tool" and choice.get("name") not in tool_names:
            raise AnthropicInvalid(f"tool_choice.name: Tool '{choice.get('name')}' not found in provided tools")


def _validate_anthropic_tools(body: dict[str, Any]) -> list[str]:
    tools = body.get("tools")
    if tools is None:
        return []
    if not isinstance(tools, list):
        raise AnthropicInvalid("tools: Input should be a valid list")
    names = []
    for k, tool in enumerate(tools):
        if not isinstance(tool, dict) or not isinstance(tool.get("name"), str) or not re.fullmatch(r"[a-zA-Z0-9_-]{1,128}", tool["name"]):
            raise AnthropicInvalid(f"tools.{k}.name: String should match pattern '^[a-zA-Z0-9_-]{{1,128}}$'")
        extra = sorted(set(tool) - {"name", "description", "input_schema", "type", "cache_control", "strict"})
        if extra:
            raise AnthropicInvalid(f"tools.{k}.custom.{extra[0]}: Extra inputs are not permitted")
        schema = tool.get("input_schema")
        if not isinstance(schema, dict) or schema.get("type") != "object":
            raise AnthropicInvalid(f"tools.{k}.custom.input_schema.type: Input should be 'object'")
        names.append(tool["name"])
    return names


def _validate_anthropic_image(block: dict[str, Any], where: str) -> None:
    source = block.get("source")
    if not isinstance(source, dict):
        raise AnthropicInvalid(f"{where}.source: Field required")
    if source.get("type") == "base64":
        if source.get("media_type") not in ANTHROPIC_IMAGE_TYPES:
            raise AnthropicInvalid(f"{where}.source.base64.media_type: Input should be 'image/jpeg', 'image/png', 'image/gif' or 'image/webp'")
        if not isinstance(source.get("data"), str) or not source["data"] or source["data"].startswith("data:"):
            raise AnthropicInvalid(f"{where}.source.base64.data: base64 image data expected (without the data: URL prefix)")
    elif source.get("type") == "url":
        if not isinstance(source.get("url"), str) or not source["url"].startswith(("http://", "https://")):
            raise AnthropicInvalid(f"{where}.source.url.url: an http(s) URL expected")
    else:
        raise AnthropicInvalid(f"{where}.source: Input tag '{source.get('type')}' does not match any of the expected tags: 'base64', 'url', 'file'")


def _tool_result_text(block: dict[str, Any]) -> str:
    content = block.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(b.get("text", "") for b in content if isinstance(b, dict) and b.get("type") == "text")
    return ""


def anthropic_answer(body: dict[str, Any]) -> dict[str, Any]:
    """The Message the fake answers a valid request with (see the module docstring)."""
    tools = [t for t in body.get("tools") or [] if isinstance(t, dict)]
    by_name = {t["name"]: t for t in tools}
    choice = body.get("tool_choice") if isinstance(body.get("tool_choice"), dict) else {}
    last_blocks = _blocks(body["messages"][-1].get("content")) if body["messages"][-1].get("role") == "user" else []
    results = [b for b in last_blocks if isinstance(b, dict) and b.get("type") == "tool_result"]

    if choice.get("type") == "tool":
        name = choice["name"]
        message = load_json(ANTHROPIC_FIXTURES, "message_json_response.json")
        call = message["content"][0]
        call["name"] = name
        schema = by_name[name].get("input_schema", {})
        call["input"] = schema_instance(schema, "x" if name == JSON_RESPONSE_TOOL else PARALLEL_STRINGS[0])
        if name != JSON_RESPONSE_TOOL:
            call["id"] = ANTHROPIC_TOOL_IDS[0]
    elif results:
        message = load_json(ANTHROPIC_FIXTURES, "message.json")
        message["content"][0]["text"] = "Here is what the tools returned: " + "; ".join(
            f"{b.get('tool_use_id')} -> {_tool_result_text(b)}" for b in results
        )
    elif tools and choice.get("type") != "none":
        message = load_json(ANTHROPIC_FIXTURES, "message_tool_use.json")
        tool = tools[0]
        calls = 1 if choice.get("disable_parallel_tool_use") else 2
        message["content"] = [message["content"][0]] + [
            {"type": "tool_use", "id": ANTHROPIC_TOOL_IDS[k], "name": tool["name"], "input": schema_instance(tool.get("input_schema", {}), PARALLEL_STRINGS[k])}
            for k in range(calls)
        ]
    else:
        message = load_json(ANTHROPIC_FIXTURES, "message.json")
    message["model"] = body["model"]
    return message


def anthropic_stream_events(message: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """A Message as the documented stream event sequence: ``(event name, data)`` pairs."""
    usage = dict(message["usage"])
    start = copy.deepcopy(message)
    start.update(content=[], stop_reason=None, stop_sequence=None)
    start["usage"] = {**usage, "output_tokens": 1}
    events: list[tuple[str, dict[str, Any]]] = [("message_start", {"type": "message_start", "message": start}), ("ping", {"type": "ping"})]
    for index, block in enumerate(message["content"]):
        if block["type"] == "text":
            events.append(("content_block_start", {"type": "content_block_start", "index": index, "content_block": {"type": "text", "text": ""}}))
            deltas = [{"type": "text_delta", "text": piece} for piece in _split(block["text"], 3)]
        else:
            events.append(("content_block_start", {"type": "content_block_start", "index": index, "content_block": {**block, "input": {}}}))
            deltas = [{"type": "input_json_delta", "partial_json": ""}] + [
                {"type": "input_json_delta", "partial_json": piece} for piece in _split(json.dumps(block["input"]), 3)
            ]
        events += [("content_block_delta", {"type": "content_block_delta", "index": index, "delta": d}) for d in deltas]
        events.append(("content_block_stop", {"type": "content_block_stop", "index": index}))
    events.append(
        (
            "message_delta",
            {"type": "message_delta", "delta": {"stop_reason": message["stop_reason"], "stop_sequence": message["stop_sequence"]}, "usage": {"output_tokens": usage["output_tokens"]}},
        )
    )
    events.append(("message_stop", {"type": "message_stop"}))
    return events


class _AnthropicHandler(_ProviderHandler):
    server_version = "FakeAnthropic/1.0"

    def _takes_behaviour(self, method: str, path: str) -> bool:
        return method == "POST" and path == "/v1/messages"

    def _common_headers(self, record: RecordedRequest) -> None:
        self.send_header("request-id", f"req_fakeanthropic{record.seq:06d}")
        self.send_header("anthropic-organization-id", "00000000-0000-4000-8000-000000000000")

    def _error(self, record: RecordedRequest, status: int, message: Optional[str] = None) -> None:
        headers = {"retry-after": "1"} if status == 429 else None
        self._send_json(record, status, anthropic_error_body(status, message), headers)

    def _dispatch(self, record: RecordedRequest, method: str, path: str) -> None:
        if not self._takes_behaviour(method, path):
            self._error(record, 404, "Not Found")
            return
        if not record.header("x-api-key") and not (record.header("authorization") or "").startswith("Bearer "):
            self._error(record, 401, "x-api-key header is required")
            return
        if not record.header("anthropic-version"):
            self._error(record, 400, "anthropic-version: header is required")
            return
        body = record.json
        try:
            validate_anthropic_request(body)
        except AnthropicInvalid as e:
            self._error(record, 400, str(e))
            return
        behaviour = record.behaviour or "ok"
        name, _, arg = behaviour.partition(":")
        self._common_behaviour(record, behaviour)
        if name == "status":
            self._error(record, int(arg))
            return
        message = anthropic_answer(body)
        if name == "max_tokens":  # the plain text, cut by the token limit
            message = load_json(ANTHROPIC_FIXTURES, "message.json")
            message["content"][0]["text"] = " ".join(message["content"][0]["text"].split()[:TRUNCATED_WORDS])
            message.update(model=body["model"], stop_reason="max_tokens")
            message["usage"]["output_tokens"] = body["max_tokens"]
        if body.get("stream") is True:
            self._stream(record, body, message, error_after_first_delta=name == "stream_error")
        else:
            self._send_json(record, 200, message)

    def _stream(self, record: RecordedRequest, body: dict[str, Any], message: dict[str, Any], *, error_after_first_delta: bool) -> None:
        plain = message["content"] == load_json(ANTHROPIC_FIXTURES, "message.json")["content"]
        if plain:  # the stored example stream, with the model asked for
            events = []
            for event, data in load_sse_events(ANTHROPIC_FIXTURES, "message_stream.sse"):
                payload = json.loads(data)
                if event == "message_start":
                    payload["message"]["model"] = body["model"]
                events.append((event or payload["type"], payload))
        else:
            events = anthropic_stream_events(message)
        self._sse(record)
        deltas = 0
        for event, payload in events:
            self._event(record, f"event: {event}\ndata: {json.dumps(payload, separators=(',', ':'))}\n\n")
            if event == "content_block_delta":
                deltas += 1
                if error_after_first_delta and deltas == 1:
                    error = anthropic_error_body(529)
                    self._event(record, f"event: error\ndata: {json.dumps({'type': 'error', 'error': error['error']})}\n\n")
                    break
        self._end_chunks()


class _ProviderFake(FakeUpstream):
    """A provider fake whose configured ``base_url`` is the bare origin (the gateway appends the API's path)."""

    endpoint = ""

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _last(self) -> Any:
        requests = self.chat_requests()
        assert requests, f"{self.name} received no {self.endpoint}"
        return requests[-1]


class FakeAnthropic(_ProviderFake):
    """Anthropic's Messages API on 127.0.0.1, recording what it is sent."""

    handler_class = _AnthropicHandler
    record_class = AnthropicRequest
    behaviour_re = ANTHROPIC_BEHAVIOUR_RE
    endpoint = "POST /v1/messages"

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, name: str = "fake Anthropic"):
        super().__init__(host, port, name=name)

    def message_requests(self) -> list[AnthropicRequest]:
        return self.chat_requests()  # type: ignore[return-value]

    def last_message_request(self) -> AnthropicRequest:
        return self._last()


# =========================================================================== Gemini

GEMINI_STATUS = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}
GEMINI_ERROR_FIXTURES = {
    400: "error_400_invalid_argument.json",
    403: "error_403_permission_denied.json",
    429: "error_429_resource_exhausted.json",
    503: "error_503_unavailable.json",
}
GEMINI_TOP_LEVEL = {"contents", "tools", "toolConfig", "safetySettings", "systemInstruction", "generationConfig", "cachedContent"}
GEMINI_GENERATION_CONFIG = {
    "stopSequences", "responseMimeType", "responseSchema", "responseJsonSchema", "responseModalities", "candidateCount",
    "maxOutputTokens", "temperature", "topP", "topK", "seed", "presencePenalty", "frequencyPenalty", "responseLogprobs",
    "logprobs", "enableEnhancedCivicAnswers", "speechConfig", "thinkingConfig", "imageConfig", "mediaResolution",
}  # fmt: skip
GEMINI_PART_DATA = {"text", "inlineData", "fileData", "functionCall", "functionResponse", "executableCode", "codeExecutionResult"}
GEMINI_PART_META = {"thought", "thoughtSignature", "partMetadata", "videoMetadata"}
GEMINI_BEHAVIOUR_RE = re.compile(r"ok|hang|close|safety|max_tokens|status:\d{3}|delay_head:\d+")


def _snake(name: str) -> str:
    return re.sub(r"([A-Z])", lambda m: "_" + m.group(1).lower(), name)


def gemini_error_body(status: int, message: Optional[str] = None) -> dict[str, Any]:
    """Gemini's error body for HTTP ``status`` (https://ai.google.dev/gemini-api/docs/troubleshooting)."""
    if status in GEMINI_ERROR_FIXTURES:
        body = load_json(GEMINI_FIXTURES, GEMINI_ERROR_FIXTURES[status])
    else:
        body = {"error": {"code": status, "message": f"The fake Gemini answered HTTP {status}.", "status": GEMINI_STATUS.get(status, "UNKNOWN")}}
    if message is not None:
        body["error"]["message"] = message
    return body


class GeminiInvalid(Exception):
    """A request generateContent refuses with 400 ``INVALID_ARGUMENT``."""


def _camel_keys(value: dict[str, Any]) -> set[str]:
    """The keys of a proto JSON object, accepting both spellings proto JSON allows."""
    return {re.sub(r"_([a-z])", lambda m: m.group(1).upper(), k) for k in value}


def validate_gemini_request(body: Any) -> None:
    if not isinstance(body, dict):
        raise GeminiInvalid("Invalid JSON payload received. Expected an object.")
    unknown = sorted(_camel_keys(body) - GEMINI_TOP_LEVEL)
    if unknown:
        raise GeminiInvalid(f'Invalid JSON payload received. Unknown name "{unknown[0]}": Cannot find field.')
    contents = body.get("contents")
    if not isinstance(contents, list) or not contents:
        raise GeminiInvalid("* GenerateContentRequest.contents: contents is not specified\n")
    for i, content in enumerate(contents):
        if not isinstance(content, dict):
            raise GeminiInvalid(f"Invalid value at 'contents[{i}]': expected an object")
        if content.get("role") not in ("user", "model"):
            raise GeminiInvalid("Please use a valid role: user, model.")
        _validate_gemini_parts(content.get("parts"), f"contents[{i}]")
    system = body.get("systemInstruction", body.get("system_instruction"))
    if system is not None:
        if not isinstance(system, dict):
            raise GeminiInvalid("Invalid value at 'system_instruction': expected a Content object")
        _validate_gemini_parts(system.get("parts"), "system_instruction")
    config = body.get("generationConfig", body.get("generation_config"))
    if config is not None:
        if not isinstance(config, dict):
            raise GeminiInvalid("Invalid value at 'generation_config': expected an object")
        unknown = sorted(_camel_keys(config) - GEMINI_GENERATION_CONFIG)
        if unknown:
            raise GeminiInvalid(f'Invalid JSON payload received. Unknown name "{unknown[0]}" at \'generation_config\': Cannot find field.')
    tools = body.get("tools")
    if tools is not None:
        if not isinstance(tools, list):
            raise GeminiInvalid("Invalid value at 'tools': expected a list")
        for k, tool in enumerate(tools):
            declarations = tool.get("functionDeclarations", tool.get("function_declarations")) if isinstance(tool, dict) else None
            if declarations is None:
                continue
            for d, declaration in enumerate(declarations):
                if not isinstance(declaration, dict) or not isinstance(declaration.get("name"), str) or not declaration["name"]:
                    raise GeminiInvalid(f"* GenerateContentRequest.tools[{k}].function_declarations[{d}].name: Name cannot be empty.\n")


def _validate_gemini_parts(parts: Any, where: str) -> None:
    if not isinstance(parts, list) or not parts:
        raise GeminiInvalid(f"* GenerateContentRequest.{where}.parts: contents.parts must not be empty.\n")
    for j, part in enumerate(parts):
        at = f"{where}.parts[{j}]"
        if not isinstance(part, dict):
            raise GeminiInvalid(f"Invalid value at '{at}': expected an object")
        keys = _camel_keys(part)
        unknown = sorted(keys - GEMINI_PART_DATA - GEMINI_PART_META)
        if unknown:
            raise GeminiInvalid(f'Invalid JSON payload received. Unknown name "{unknown[0]}" at \'{at}\': Cannot find field.')
        data = keys & GEMINI_PART_DATA
        if len(data) != 1:
            raise GeminiInvalid(f"* GenerateContentRequest.{at}.data: required oneof field 'data' must have one initialized field\n")
        kind = data.pop()
        value = part.get(kind, part.get(_snake(kind)))
        if kind == "text" and not isinstance(value, str):
            raise GeminiInvalid(f"Invalid value at '{at}.text': expected a string")
        if kind == "inlineData" and (not isinstance(value, dict) or not value.get("mimeType", value.get("mime_type")) or not value.get("data")):
            raise GeminiInvalid(f"* GenerateContentRequest.{at}.inline_data: mime_type and data are required\n")
        if kind == "fileData" and (not isinstance(value, dict) or not value.get("fileUri", value.get("file_uri"))):
            raise GeminiInvalid(f"* GenerateContentRequest.{at}.file_data.file_uri: file_uri is required\n")
        if kind == "functionCall" and (not isinstance(value, dict) or not value.get("name")):
            raise GeminiInvalid(f"* GenerateContentRequest.{at}.function_call.name: Name cannot be empty.\n")
        if kind == "functionResponse":
            if not isinstance(value, dict) or not value.get("name"):
                raise GeminiInvalid(f"* GenerateContentRequest.{at}.function_response.name: Name cannot be empty.\n")
            if not isinstance(value.get("response"), dict):
                raise GeminiInvalid(
                    f"Invalid value at '{at}.function_response.response' (type.googleapis.com/google.protobuf.Struct), "
                    f"{json.dumps(value.get('response'))}"
                )


def _declarations(body: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    for tool in body.get("tools") or []:
        if isinstance(tool, dict):
            found += [d for d in tool.get("functionDeclarations", tool.get("function_declarations")) or [] if isinstance(d, dict)]
    return found


def gemini_answer(body: dict[str, Any], model: str) -> dict[str, Any]:
    """The GenerateContentResponse the fake answers a valid request with (see the module docstring)."""
    config = body.get("generationConfig") or body.get("generation_config") or {}
    last = body["contents"][-1]
    responses = [p.get("functionResponse", p.get("function_response")) for p in last.get("parts", []) if last.get("role") == "user" and isinstance(p, dict)]
    responses = [r for r in responses if isinstance(r, dict)]
    declarations = _declarations(body)
    calling = ((body.get("toolConfig") or body.get("tool_config") or {}).get("functionCallingConfig") or {})
    mode = str(calling.get("mode", "AUTO")).upper()

    if config.get("responseMimeType", config.get("response_mime_type")) == "application/json":
        answer = load_json(GEMINI_FIXTURES, "generate_content_json.json")
        schema = config.get("responseSchema", config.get("response_schema", config.get("responseJsonSchema")))
        value = schema_instance(schema) if isinstance(schema, dict) else {"result": "x"}
        answer["candidates"][0]["content"]["parts"] = [{"text": json.dumps(value)}]
    elif responses:
        answer = load_json(GEMINI_FIXTURES, "generate_content.json")
        answer["candidates"][0]["content"]["parts"] = [
            {"text": "Here is what the functions returned: " + "; ".join(f"{r.get('name')} -> {json.dumps(r.get('response'), sort_keys=True)}" for r in responses)}
        ]
    elif declarations and mode != "NONE":
        answer = load_json(GEMINI_FIXTURES, "generate_content_function_call.json")
        allowed = calling.get("allowedFunctionNames") or []
        name = allowed[0] if allowed else declarations[0]["name"]
        declaration = next((d for d in declarations if d.get("name") == name), declarations[0])
        answer["candidates"][0]["content"]["parts"] = [
            {"functionCall": {"name": name, "args": schema_instance(declaration.get("parameters", declaration.get("parametersJsonSchema", {})), PARALLEL_STRINGS[k])}}
            for k in range(2)
        ]
    else:
        answer = load_json(GEMINI_FIXTURES, "generate_content.json")
    answer["modelVersion"] = model
    return answer


def gemini_stream_responses(answer: dict[str, Any]) -> list[dict[str, Any]]:
    """A GenerateContentResponse as stream events: text parts split over several responses
    (cumulative ``usageMetadata`` on each, complete on the last, ``finishReason`` on the last);
    function calls whole in one response."""
    candidate = answer["candidates"][0]
    parts = candidate.get("content", {}).get("parts", [])
    usage = answer["usageMetadata"]
    if len(parts) != 1 or "text" not in parts[0]:
        return [answer]
    pieces = _split(parts[0]["text"], 3)
    out = []
    for k, piece in enumerate(pieces):
        final = k == len(pieces) - 1
        chunk_candidate: dict[str, Any] = {"content": {"parts": [{"text": piece}], "role": "model"}, "index": 0}
        if final:
            chunk_candidate["finishReason"] = candidate["finishReason"]
        partial = {"promptTokenCount": usage["promptTokenCount"], "candidatesTokenCount": max(1, usage.get("candidatesTokenCount", 0) * (k + 1) // len(pieces))}
        partial["totalTokenCount"] = partial["promptTokenCount"] + partial["candidatesTokenCount"]
        out.append({"candidates": [chunk_candidate], "usageMetadata": usage if final else partial, "modelVersion": answer["modelVersion"], "responseId": answer["responseId"]})
    return out


class _GeminiHandler(_ProviderHandler):
    server_version = "FakeGemini/1.0"

    def _takes_behaviour(self, method: str, path: str) -> bool:
        return method == "POST" and GEMINI_PATH_RE.match(path) is not None

    def _common_headers(self, record: RecordedRequest) -> None:
        self.send_header("Server-Timing", "gfet4t7; dur=7")
        self.send_header("Vary", "Origin, X-Origin, Referer")

    def _error(self, record: RecordedRequest, status: int, message: Optional[str] = None) -> None:
        self._send_json(record, status, gemini_error_body(status, message))

    def _dispatch(self, record: RecordedRequest, method: str, path: str) -> None:
        match = GEMINI_PATH_RE.match(path)
        if method != "POST" or match is None:
            self._error(record, 404, f"The requested URL {path} was not found on this server.")
            return
        if not record.header("x-goog-api-key") and "key=" not in record.query:
            self._error(record, 403)
            return
        body = record.json
        try:
            validate_gemini_request(body)
        except GeminiInvalid as e:
            self._error(record, 400, str(e))
            return
        behaviour = record.behaviour or "ok"
        name, _, arg = behaviour.partition(":")
        self._common_behaviour(record, behaviour)
        if name == "status":
            self._error(record, int(arg))
            return
        model = match.group("model")
        stream = match.group("method") == "streamGenerateContent"
        if name == "safety":
            answer = load_json(GEMINI_FIXTURES, "generate_content_safety.json")
            answer["modelVersion"] = model
            responses = [self._first_text_response(model), answer] if stream else [answer]
        elif name == "max_tokens":  # the plain text, cut by the token limit
            answer = load_json(GEMINI_FIXTURES, "generate_content.json")
            candidate = answer["candidates"][0]
            candidate["content"]["parts"][0]["text"] = " ".join(candidate["content"]["parts"][0]["text"].split()[:TRUNCATED_WORDS])
            candidate["finishReason"] = "MAX_TOKENS"
            answer["modelVersion"] = model
            responses = gemini_stream_responses(answer) if stream else [answer]
        else:
            answer = gemini_answer(body, model)
            plain = answer["candidates"][0]["content"]["parts"] == load_json(GEMINI_FIXTURES, "generate_content.json")["candidates"][0]["content"]["parts"]
            if stream and plain:
                responses = [json.loads(data) for _, data in load_sse_events(GEMINI_FIXTURES, "generate_content_stream.sse")]
                for response in responses:
                    response["modelVersion"] = model
            else:
                responses = gemini_stream_responses(answer) if stream else [answer]
        if not stream:
            self._send_json(record, 200, responses[0])
        elif "alt=sse" not in record.query.split("&"):
            self._send_json(record, 200, responses)  # without alt=sse Gemini streams one JSON array
        else:
            self._sse(record)
            for response in responses:
                self._event(record, f"data: {json.dumps(response)}\r\n\r\n")
            self._end_chunks()

    @staticmethod
    def _first_text_response(model: str) -> dict[str, Any]:
        return {
            "candidates": [{"content": {"parts": [{"text": "Sure, here is how"}], "role": "model"}, "index": 0}],
            "usageMetadata": {"promptTokenCount": 14, "candidatesTokenCount": 4, "totalTokenCount": 18},
            "modelVersion": model,
            "responseId": "pLfQaSafetyBlock7ZvdIP1Qjo-Qf",
        }


class FakeGemini(_ProviderFake):
    """The Gemini API's generateContent on 127.0.0.1, recording what it is sent."""

    handler_class = _GeminiHandler
    record_class = GeminiRequest
    behaviour_re = GEMINI_BEHAVIOUR_RE
    endpoint = "POST /v1beta/models/...:generateContent"

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, name: str = "fake Gemini"):
        super().__init__(host, port, name=name)

    def generate_requests(self) -> list[GeminiRequest]:
        return self.chat_requests()  # type: ignore[return-value]

    def last_generate_request(self) -> GeminiRequest:
        return self._last()


def main() -> None:
    with FakeAnthropic() as anthropic, FakeGemini() as gemini:
        print(f"fake Anthropic listening on {anthropic.base_url} (POST /v1/messages)", flush=True)
        print(f"fake Gemini listening on {gemini.base_url} (POST /v1beta/models/M:generateContent)", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
