"""A fake OpenAI-compatible upstream for HolySheep's end-to-end tests.

It serves the wire fixtures in ``tests/fixtures/openai`` and records every request it
receives so that tests can assert on what the gateway actually sent upstream.

Endpoints:

* ``POST /v1/chat/completions`` -- a ``chat.completion`` (JSON) or, with ``"stream": true``,
  a Server-Sent Events stream of ``chat.completion.chunk`` objects ending with
  ``data: [DONE]``. With ``stream_options.include_usage`` it behaves as OpenAI does: every
  chunk carries ``"usage": null`` and one extra chunk with ``"choices": []`` and the usage
  is sent just before ``[DONE]``.
* ``GET /v1/models`` -- an OpenAI model list.

Behaviour is chosen by directives written in the text of the LAST user message:

* ``[[tools]]``       answer with two parallel tool calls (or a streamed tool call).
* ``[[slow]]``        stream the events ``SLOW_INTERVAL`` (300 ms) apart; a non-streamed
                      answer is held for ``SLOW_NON_STREAM_DELAY``.
* ``[[hang]]``        hold the answer for up to ``HANG_SECONDS`` (20 s), checking every 50 ms
                      whether the client closed its connection; a close is recorded.
* ``[[status:N]]``    answer HTTP N with the matching OpenAI error body (429 carries
                      ``Retry-After: 1``).

A test can also script a fake: ``fake.script(["status:503", "ok"])`` queues behaviours that
are consumed one per incoming chat request, in order; once the queue is empty the directives
above apply again. ``reset()`` empties the queue. Behaviours:

* ``ok``                      answer normally (a stream if asked; ``[[tools]]``/``[[slow]]`` apply).
* ``status:N``                HTTP N with the matching OpenAI error body; a 429 carries
                              ``Retry-After: 1``, or S with ``status:429:retry_after=S``.
* ``hang``                    never answer: wait (up to ``HANG_SECONDS``) until the client
                              closes the connection, and record the close.
* ``delay_head:MS``           wait MS milliseconds, then answer normally.
* ``reset_mid_stream``        (streams) send the response head, the role chunk and the first two
                              content chunks, pause ``RESET_PAUSE`` so they can be relayed, then
                              reset the TCP connection (``SO_LINGER`` 0 and close: the peer gets
                              an RST).
* ``malformed_json``          200, ``application/json``, a truncated JSON body.
* ``content_type:T``          200 with content type T and a body of that kind (HTML for
                              ``text/html``).
* ``close``                   close the connection without writing any response.

Each recorded request keeps the behaviour it was given (``RecordedRequest.behaviour``).

The fake runs a stdlib ``ThreadingHTTPServer`` on 127.0.0.1 (port 0 by default) in a
background thread and speaks HTTP/1.1 with keep-alive: JSON answers carry
``Content-Length``; streams use ``Transfer-Encoding: chunked``, one chunk per event.

Run it alone with ``python tests/e2e/fake_upstream.py [--port N]``.
"""

from __future__ import annotations

import argparse
import collections
import itertools
import json
import re
import socket
import struct
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable, Optional, TypeVar

FIXTURES_DIR = Path(__file__).resolve().parent.parent / "fixtures" / "openai"

SLOW_INTERVAL = 0.3
SLOW_NON_STREAM_DELAY = 1.5
HANG_SECONDS = 20.0
POLL_INTERVAL = 0.05
RESET_PAUSE = 0.2  # s between the last chunk written and the RST of ``reset_mid_stream``

DIRECTIVE_RE = re.compile(r"\[\[([a-z_]+)(?::([^\]]*))?\]\]")

ERROR_FIXTURES = {
    400: "error_400_invalid_request_error.json",
    401: "error_401_invalid_api_key.json",
    404: "error_404_model_not_found.json",
    429: "error_429_rate_limit_exceeded.json",
    500: "error_500_server_error.json",
    503: "error_503_overloaded.json",
}

BEHAVIOUR_RE = re.compile(
    r"ok|hang|close|malformed_json|reset_mid_stream|status:\d{3}(?::retry_after=\d+)?|delay_head:\d+|content_type:[\w.+-]+/[\w.+-]+"
)

MALFORMED_JSON_BODY = b'{"id": "chatcmpl-truncated", "object": "chat.completion", "choices": [{"index": 0, "message": {"role": "assist'
HTML_BODY = b"<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1><p>nginx</p></body></html>\n"

T = TypeVar("T")


# --------------------------------------------------------------------------- fixtures


def load_json_fixture(name: str) -> Any:
    return json.loads((FIXTURES_DIR / name).read_text(encoding="utf-8"))


def error_body(status: int) -> Any:
    """The OpenAI error body the fake answers with for HTTP ``status``: a fixture when there is
    one, else an error object of the same shape naming the status."""
    if status in ERROR_FIXTURES:
        return load_json_fixture(ERROR_FIXTURES[status])
    return {
        "error": {
            "message": f"The fake upstream answered HTTP {status}.",
            "type": "server_error" if status >= 500 else "invalid_request_error",
            "param": None,
            "code": None,
        }
    }


def load_sse_fixture(name: str) -> list[str]:
    """The ``data:`` payloads of an .sse fixture, in order (``[DONE]`` included)."""
    return parse_sse((FIXTURES_DIR / name).read_text(encoding="utf-8"))


def parse_sse(text: str) -> list[str]:
    """Split a Server-Sent Events body into the data payload of each event.

    Follows the SSE framing rules that matter here: events end at a blank line, several
    ``data:`` lines of one event are joined with newlines, ``:`` lines are comments, and
    one optional space after the colon is not part of the value.
    """
    collector = SSEDataCollector()
    payloads = [data for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n") if (data := collector.feed(line)) is not None]
    if (last := collector.finish()) is not None:
        payloads.append(last)
    return payloads


class SSEDataCollector:
    """Reads SSE line by line and hands back each event's data once its blank line arrives
    (WHATWG EventSource rules: ``data:`` lines joined with newlines, ``:`` lines are comments,
    one optional space after the colon is not part of the value)."""

    def __init__(self) -> None:
        self._data_lines: list[str] = []

    def feed(self, line: str) -> Optional[str]:
        """One line without its terminator; returns the event's data when the line ends an event."""
        if line == "":
            if not self._data_lines:
                return None
            data, self._data_lines = "\n".join(self._data_lines), []
            return data
        if line.startswith(":"):
            return None
        name, _, value = line.partition(":")
        if name == "data":
            self._data_lines.append(value[1:] if value.startswith(" ") else value)
        return None

    def finish(self) -> Optional[str]:
        """The data of a last event that never got its blank line, if any."""
        return self.feed("")


# --------------------------------------------------------------------------- records


@dataclass
class RecordedRequest:
    """One request the fake received, and what became of its answer."""

    seq: int
    method: str
    path: str
    headers: list[tuple[str, str]]
    raw_body: bytes
    json: Any
    received_at: float  # time.monotonic()
    peer: tuple[str, int] = ("", 0)  # the client's address: same peer = same kept-alive connection
    query: str = ""  # the request target after '?', if any
    directives: dict[str, Optional[str]] = field(default_factory=dict)
    behaviour: Optional[str] = None  # the scripted behaviour this request consumed, if any
    status: Optional[int] = None
    events_sent: int = 0  # SSE events written so far (streams only)
    completed: bool = False  # the whole answer was written
    client_closed: bool = False  # the client closed before the answer was complete
    client_closed_at: Optional[float] = None  # time.monotonic() when the close was seen
    dropped: bool = False  # the fake closed or reset the connection on purpose (``close``, ``reset_mid_stream``)
    finished_at: Optional[float] = None

    def header(self, name: str) -> Optional[str]:
        """The first value of a header, matched case-insensitively."""
        lname = name.lower()
        for key, value in self.headers:
            if key.lower() == lname:
                return value
        return None

    @property
    def is_chat(self) -> bool:
        return self.method == "POST" and self.path == "/v1/chat/completions"

    @property
    def stream(self) -> bool:
        return isinstance(self.json, dict) and self.json.get("stream") is True

    @property
    def model(self) -> Optional[str]:
        return self.json.get("model") if isinstance(self.json, dict) else None

    def summary(self) -> str:
        state = (
            "completed" if self.completed else "client closed" if self.client_closed else "dropped by the fake" if self.dropped else "in progress"
        )
        return (
            f"#{self.seq} {self.method} {self.path} model={self.model!r} stream={self.stream} "
            f"directives={sorted(self.directives)} behaviour={self.behaviour} status={self.status} {state}"
        )


def directives_of(body: Any) -> dict[str, Optional[str]]:
    """Directives (``[[name]]`` / ``[[name:arg]]``) in the last user message's text."""
    if not isinstance(body, dict):
        return {}
    messages = body.get("messages")
    if not isinstance(messages, list):
        return {}
    for message in reversed(messages):
        if isinstance(message, dict) and message.get("role") == "user":
            content = message.get("content")
            if isinstance(content, str):
                text = content
            elif isinstance(content, list):
                text = " ".join(
                    part.get("text", "")
                    for part in content
                    if isinstance(part, dict) and part.get("type") == "text" and isinstance(part.get("text"), str)
                )
            else:
                text = ""
            return {m.group(1): m.group(2) for m in DIRECTIVE_RE.finditer(text)}
    return {}


# --------------------------------------------------------------------------- server


class _ClientGone(Exception):
    """The client closed the connection before the answer was complete."""


class _Dropped(Exception):
    """The fake closed or reset the connection on purpose; nothing more can be written."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, addr: tuple[str, int], owner: "FakeUpstream"):
        self.owner = owner
        super().__init__(addr, owner.handler_class)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # The head and the body are separate writes: without TCP_NODELAY the body waits for the
    # peer's delayed ACK (~40 ms per answer on a kept-alive connection).
    disable_nagle_algorithm = True
    server_version = "FakeOpenAI/1.0"
    sys_version = ""
    server: _Server

    # -- plumbing -----------------------------------------------------------------------

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        self.server.owner._log(f"{self.address_string()} {format % args}")

    def do_GET(self) -> None:  # noqa: N802 - stdlib naming
        self._handle("GET")

    def do_POST(self) -> None:  # noqa: N802
        self._handle("POST")

    def do_PUT(self) -> None:  # noqa: N802
        self._handle("PUT")

    def do_DELETE(self) -> None:  # noqa: N802
        self._handle("DELETE")

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            parts = []
            while True:
                size_line = self.rfile.readline(65537)
                size = int(size_line.split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    break
                parts.append(self.rfile.read(size))
                self.rfile.readline(65537)  # CRLF after the chunk
            return b"".join(parts)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _client_closed(self) -> bool:
        """True once the peer has closed (or reset) its side of the connection."""
        try:
            data = self.connection.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT)
        except BlockingIOError:
            return False
        except (ConnectionResetError, BrokenPipeError, OSError):
            return True
        return data == b""

    def _wait(self, record: RecordedRequest, seconds: float) -> None:
        """Sleep ``seconds`` in small steps; raise _ClientGone as soon as the client leaves."""
        deadline = time.monotonic() + seconds
        while True:
            if self._client_closed():
                raise _ClientGone()
            if self.server.owner._stopping.is_set():
                return
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            time.sleep(min(POLL_INTERVAL, remaining))

    def _common_headers(self, record: RecordedRequest) -> None:
        self.send_header("x-request-id", f"req_fakeupstream{record.seq:06d}")
        self.send_header("openai-processing-ms", "7")

    def _send_json(self, record: RecordedRequest, status: int, payload: Any, extra_headers: Optional[dict] = None) -> None:
        body = json.dumps(payload).encode("utf-8")
        record.status = status
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self._common_headers(record)
        for name, value in (extra_headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()

    def _write_chunk(self, data: bytes) -> None:
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()

    # -- dispatch -----------------------------------------------------------------------

    def _handle(self, method: str) -> None:
        owner = self.server.owner
        raw = self._read_body()
        try:
            parsed = json.loads(raw) if raw else None
        except ValueError:
            parsed = None
        path, _, query = self.path.partition("?")
        takes_behaviour = self._takes_behaviour(method, path)
        record = owner._record(
            method=method,
            path=path,
            query=query,
            headers=list(self.headers.items()),
            raw_body=raw,
            json=parsed,
            peer=tuple(self.client_address[:2]),
            directives=directives_of(parsed) if takes_behaviour else {},
            take_behaviour=takes_behaviour,
        )
        try:
            self._dispatch(record, method, path)
            record.completed = True
        except _Dropped:
            record.dropped = True
            self.close_connection = True
        except (_ClientGone, BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
            record.client_closed = True
            record.client_closed_at = time.monotonic()
            self.close_connection = True
        finally:
            record.finished_at = time.monotonic()
            owner._changed()

    def _takes_behaviour(self, method: str, path: str) -> bool:
        """Whether a request consumes a scripted behaviour (and is read for directives)."""
        return method == "POST" and path == "/v1/chat/completions"

    def _dispatch(self, record: RecordedRequest, method: str, path: str) -> None:
        """Answer one recorded request (the fake's routes)."""
        if method == "POST" and path == "/v1/chat/completions":
            self._chat(record)
        elif method == "GET" and path == "/v1/models":
            self._send_json(record, 200, load_json_fixture("models_list.json"))
        else:
            self._send_json(
                record,
                404,
                {
                    "error": {
                        "message": f"Invalid URL ({method} {path})",
                        "type": "invalid_request_error",
                        "param": None,
                        "code": None,
                    }
                },
            )

    def _chat(self, record: RecordedRequest) -> None:
        body = record.json
        if not isinstance(body, dict):
            self._send_json(
                record,
                400,
                {
                    "error": {
                        "message": "We could not parse the JSON body of your request. (fake upstream)",
                        "type": "invalid_request_error",
                        "param": None,
                        "code": None,
                    }
                },
            )
            return
        directives = record.directives
        if record.behaviour is not None:
            self._scripted(record, record.behaviour)
            return

        if "hang" in directives:
            self._wait(record, HANG_SECONDS)

        if "status" in directives:
            self._send_error(record, int(directives["status"] or 500))
            return

        self._answer(record)

    def _send_error(self, record: RecordedRequest, status: int, retry_after: Optional[int] = None) -> None:
        if status == 429 and retry_after is None:
            retry_after = 1
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else None
        self._send_json(record, status, error_body(status), headers)

    def _scripted(self, record: RecordedRequest, behaviour: str) -> None:
        """Carry out one scripted behaviour (see the module docstring)."""
        name, _, arg = behaviour.partition(":")
        if name == "ok":
            self._answer(record)
        elif name == "status":
            code, _, option = arg.partition(":")
            retry_after = int(option.split("=", 1)[1]) if option.startswith("retry_after=") else None
            self._send_error(record, int(code), retry_after)
        elif name == "hang":
            self._wait(record, HANG_SECONDS)
            self._drop(reset=False)  # still there after HANG_SECONDS: give up without answering
        elif name == "delay_head":
            self._wait(record, int(arg) / 1000)
            self._answer(record)
        elif name == "reset_mid_stream":
            if record.stream:
                self._stream(record, record.model, tools=False, include_usage=self._include_usage(record), slow=False, reset_after_content=2)
            else:
                self._drop(reset=True)
        elif name == "malformed_json":
            self._send_raw(record, 200, "application/json", MALFORMED_JSON_BODY)
        elif name == "content_type":
            body = HTML_BODY if arg.startswith("text/html") else b"this is not JSON\n"
            self._send_raw(record, 200, arg, body)
        elif name == "close":
            self._drop(reset=False)
        else:  # script() validates behaviours, so this is a bug in the fake
            raise AssertionError(f"unknown behaviour {behaviour!r}")

    def _drop(self, *, reset: bool) -> None:
        """Close the connection without (finishing) an answer: a FIN, or with ``reset`` an RST
        (``SO_LINGER`` on with a zero timeout makes close() abort the connection)."""
        try:
            if reset:
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            else:
                self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.rfile.close()  # the makefile() reader holds a reference: close() only closes the socket once it is gone
        self.connection.close()
        raise _Dropped()

    def _send_raw(self, record: RecordedRequest, status: int, content_type: str, body: bytes) -> None:
        record.status = status
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self._common_headers(record)
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()

    @staticmethod
    def _include_usage(record: RecordedRequest) -> bool:
        body = record.json
        return isinstance(body, dict) and isinstance(body.get("stream_options"), dict) and body["stream_options"].get("include_usage") is True

    def _answer(self, record: RecordedRequest) -> None:
        """The normal answer: a stream or a ``chat.completion`` (``[[tools]]``/``[[slow]]`` apply)."""
        body = record.json
        directives = record.directives
        model = body.get("model")
        if body.get("stream") is True:
            self._stream(record, model, tools="tools" in directives, include_usage=self._include_usage(record), slow="slow" in directives)
            return

        if "slow" in directives:
            self._wait(record, SLOW_NON_STREAM_DELAY)
        completion = load_json_fixture("chat_completion_tool_calls.json" if "tools" in directives else "chat_completion.json")
        completion["model"] = model
        self._send_json(record, 200, completion)

    def _stream(
        self, record: RecordedRequest, model: Any, *, tools: bool, include_usage: bool, slow: bool, reset_after_content: Optional[int] = None
    ) -> None:
        """Stream the fixture; with ``reset_after_content=N``, reset the connection once N
        chunks with non-empty content are out (after ``RESET_PAUSE``)."""
        payloads = stream_payloads(model, tools=tools, include_usage=include_usage)
        content_sent = 0
        record.status = 200
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self._common_headers(record)
        self.end_headers()
        self.wfile.flush()
        for i, payload in enumerate(payloads):
            if slow and i > 0:
                self._wait(record, SLOW_INTERVAL)
            self._write_chunk(f"data: {payload}\n\n".encode("utf-8"))
            record.events_sent = i + 1
            self.server.owner._changed()
            if reset_after_content is not None and payload != "[DONE]" and _has_content(payload):
                content_sent += 1
                if content_sent >= reset_after_content:
                    self._wait(record, RESET_PAUSE)
                    self._drop(reset=True)
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()


def _has_content(payload: str) -> bool:
    chunk = json.loads(payload)
    return any((choice.get("delta") or {}).get("content") for choice in chunk.get("choices") or [])


def stream_payloads(model: Any, *, tools: bool = False, include_usage: bool = False) -> list[str]:
    """The data payloads the fake streams for a request, exactly as sent (``[DONE]`` last)."""
    source = load_sse_fixture("chat_completion_stream_tool_calls.sse" if tools else "chat_completion_stream.sse")
    out: list[str] = []
    for payload in source:
        if payload == "[DONE]":
            if include_usage:
                usage_chunk = load_json_fixture("chat_completion_stream_usage_chunk.json")
                usage_chunk["model"] = model
                out.append(json.dumps(usage_chunk, separators=(",", ":")))
            out.append("[DONE]")
            continue
        chunk = json.loads(payload)
        chunk["model"] = model
        if include_usage:
            chunk["usage"] = None
        out.append(json.dumps(chunk, separators=(",", ":")))
    return out


class FakeUpstream:
    """An OpenAI-compatible upstream on 127.0.0.1 that records what it is sent."""

    # Subclasses (fake_providers.py) speak other wire formats with the same plumbing.
    handler_class: type[BaseHTTPRequestHandler] = _Handler
    record_class: type[RecordedRequest] = RecordedRequest
    behaviour_re: re.Pattern[str] = BEHAVIOUR_RE

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, name: str = "fake upstream"):
        self.name = name
        self._server = _Server((host, port), self)
        self._thread: Optional[threading.Thread] = None
        self._cond = threading.Condition()
        self._requests: list[RecordedRequest] = []
        self._script: collections.deque[str] = collections.deque()
        self._seq = itertools.count(1)
        self._stopping = threading.Event()
        self.log: list[str] = []

    # -- lifecycle --------------------------------------------------------------------

    def start(self) -> "FakeUpstream":
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1}, name="fake-upstream", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> "FakeUpstream":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def base_url(self) -> str:
        """The OpenAI-style base URL, ending in ``/v1``."""
        return f"http://127.0.0.1:{self.port}/v1"

    # -- recording --------------------------------------------------------------------

    def _record(self, *, take_behaviour: bool = False, **kwargs: Any) -> RecordedRequest:
        with self._cond:
            record = self.record_class(seq=next(self._seq), received_at=time.monotonic(), **kwargs)
            if take_behaviour and self._script:
                record.behaviour = self._script.popleft()
            self._requests.append(record)
            self._cond.notify_all()
            return record

    def _changed(self) -> None:
        with self._cond:
            self._cond.notify_all()

    def _log(self, line: str) -> None:
        with self._cond:
            self.log.append(line)
            del self.log[:-500]

    def reset(self) -> None:
        """Forget the requests recorded so far and any behaviours still scripted."""
        with self._cond:
            self._requests.clear()
            self._script.clear()

    def script(self, behaviours: list[str]) -> None:
        """Queue behaviours, consumed one per incoming chat request (see the module docstring)."""
        bad = [b for b in behaviours if not self.behaviour_re.fullmatch(b)]
        if bad:
            raise ValueError(f"unknown {self.name} behaviours {bad}")
        with self._cond:
            self._script.extend(behaviours)

    @property
    def scripted(self) -> list[str]:
        """The behaviours not consumed yet."""
        with self._cond:
            return list(self._script)

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._cond:
            return list(self._requests)

    def chat_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.is_chat]

    def last_chat_request(self) -> RecordedRequest:
        chats = self.chat_requests()
        assert chats, "the fake upstream received no POST /v1/chat/completions"
        return chats[-1]

    def wait_for(self, condition: Callable[[], T], timeout: float) -> Optional[T]:
        """Wait until ``condition()`` is truthy (re-checked on every change and every
        50 ms); return its value, or None if ``timeout`` seconds passed first."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                value = condition()
                if value:
                    return value
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None
                self._cond.wait(min(remaining, POLL_INTERVAL))

    def wait_for_request(self, predicate: Callable[[RecordedRequest], bool], timeout: float = 5.0) -> Optional[RecordedRequest]:
        """The first recorded request matching ``predicate``, waiting up to ``timeout`` s."""

        def find() -> Optional[RecordedRequest]:
            return next((r for r in self._requests if predicate(r)), None)

        return self.wait_for(find, timeout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    with FakeUpstream(port=args.port) as fake:
        print(f"fake upstream listening on {fake.base_url}", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
