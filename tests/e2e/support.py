"""Helpers shared by the end-to-end tests: SSE reading, error-shape checks, small builders."""

from __future__ import annotations

import json
import secrets
import string
import time
from typing import Any, Iterator, Protocol

from fake_upstream import SSEDataCollector, load_json_fixture, load_sse_fixture, parse_sse  # noqa: F401 - re-exported

UPSTREAM_KEY = "sk-fake-upstream-secret"
MODEL = "gpt-4.1"
UPSTREAM_MODEL = "gpt-4.1-2025-04-14"
DEEPSEEK = "deepseek-v3.2"
DEEPSEEK_UPSTREAM = "deepseek-chat"
BROKEN_MODEL = "broken-model"
PUBLIC_MODELS = (MODEL, DEEPSEEK, BROKEN_MODEL)

BASE62 = string.ascii_letters + string.digits

# What the fixtures contain, spelled out so that a wrong fixture edit shows up here.
PLAIN_TEXT = "Hello! How can I assist you today?"
STREAM_TEXT = "Hello, world! How can I help?"
COMPLETION_USAGE = {"prompt_tokens": 1187, "completion_tokens": 9, "cached_tokens": 1024}
STREAM_USAGE = {"prompt_tokens": 1041, "completion_tokens": 6, "cached_tokens": 1024}

WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather for a city.",
        "parameters": {
            "type": "object",
            "properties": {"location": {"type": "string", "description": "City and country"}},
            "required": ["location"],
            "additionalProperties": False,
        },
        "strict": True,
    },
}


def user(text: str) -> list[dict[str, Any]]:
    return [{"role": "user", "content": text}]


def chat_body(text: str = "Say hello", model: str = MODEL, **extra: Any) -> dict[str, Any]:
    return {"model": model, "messages": user(text), **extra}


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def random_key(prefix: str = "hs_live_") -> str:
    """A well-formed key that was never issued."""
    return prefix + "".join(secrets.choice(BASE62) for _ in range(32))


# --------------------------------------------------------------------------- SSE


def iter_sse(response: Any) -> Iterator[tuple[float, str]]:
    """Yield ``(time.monotonic(), data)`` for each SSE event of a streaming httpx response,
    as the events arrive."""
    collector = SSEDataCollector()
    for line in response.iter_lines():
        if (data := collector.feed(line)) is not None:
            yield time.monotonic(), data
    if (data := collector.finish()) is not None:
        yield time.monotonic(), data


def chunk_content(chunk: dict[str, Any]) -> str:
    return "".join((c.get("delta") or {}).get("content") or "" for c in chunk.get("choices") or [])


def fixture_chunks(name: str = "chat_completion_stream.sse") -> list[dict[str, Any]]:
    return [json.loads(p) for p in load_sse_fixture(name) if p != "[DONE]"]


# --------------------------------------------------------------------------- errors


class _ResponseLike(Protocol):
    status_code: int
    headers: Any
    text: str

    def json(self) -> Any: ...


_UNSET: Any = object()


def assert_openai_error(
    response: _ResponseLike,
    status: int,
    code: Any = _UNSET,
    *,
    param: Any = _UNSET,
) -> dict[str, Any]:
    """Check HolySheep's error shape and return the ``error`` object:
    ``{"error": {"message", "type", "code", "param"}, "error_code": status}``.
    ``code`` and ``param`` are checked when given."""
    assert response.status_code == status, (
        f"expected HTTP {status} ({code if code is not _UNSET else 'error'}), got {response.status_code}: {response.text[:800]}"
    )
    content_type = response.headers.get("content-type", "")
    assert "application/json" in content_type, f"error content-type is {content_type!r}, not JSON"
    body = response.json()
    assert isinstance(body, dict) and isinstance(body.get("error"), dict), f"not an OpenAI error body: {body!r}"
    error = body["error"]
    missing = [k for k in ("message", "type", "code", "param") if k not in error]
    assert not missing, f"error object lacks {missing}: {body!r}"
    assert isinstance(error["message"], str) and error["message"].strip(), f"empty error message: {body!r}"
    assert isinstance(error["type"], str) and error["type"], f"empty error type: {body!r}"
    if code is not _UNSET:
        assert error["code"] == code, f"error.code is {error['code']!r}, expected {code!r}: {body!r}"
    assert body.get("error_code") == status, f"error_code is {body.get('error_code')!r}, expected {status}: {body!r}"
    if param is not _UNSET:
        assert error["param"] == param, f"error.param is {error['param']!r}, expected {param!r}: {body!r}"
    assert response.headers.get("x-request-id"), "error response has no x-request-id"
    return error


def as_bool(value: Any) -> bool:
    """A stored boolean, whichever way the engine keeps it (0/1, true/false, 't'/'f')."""
    if isinstance(value, str):
        return value.strip().lower() in ("1", "t", "true", "yes")
    return bool(value)
