#!/usr/bin/env python3
"""What one relayed SSE chunk costs the gateway: added delay and CPU per chunk (stdlib only).

The shared harness's canned upstream sends a whole stream in one write, so a gateway relays it in one read; a real
model sends tokens one by one, milliseconds apart, and each becomes its own read, parse and write. This measures
that case.

  python3 bench/chunks.py serve PORT [--spacing-ms 1]
      a streaming upstream (OpenAI chat completions wire format, `stream: true`): `max_tokens` chunks, each written
      and flushed on its own `--spacing-ms` apart, each carrying its send time (CLOCK_MONOTONIC, ns) as its content,
      then a usage chunk and `data: [DONE]`.
  python3 bench/chunks.py measure --direct URL --gateway URL --key KEY --gateway-pid PID [--streams 40] [--chunks 300]
      streams through both (one connection each, sequentially) and prints JSON:
      * delay: receive time − send time of every chunk (same host, same clock), p50/p90/p99, direct and gateway;
        added = gateway − direct;
      * CPU per chunk: the gateway's CPU (all threads, /proc/PID/task/*/schedstat, ns) for streams of `--chunks`
        chunks minus streams of `--chunks`/10, divided by the difference in chunks, so the per-request cost
        (auth, routing, billing) cancels out; its idle CPU (timers, background flushes: measured for 3 s first) is
        taken out in proportion to each phase's length.
"""
import argparse
import asyncio
import http.client
import json
import os
import statistics
import sys
import time
import urllib.parse


# ---- upstream -------------------------------------------------------------------------------------------------------

def sse(payload):
    data = b"data: " + payload + b"\n\n"
    return b"%x\r\n%s\r\n" % (len(data), data)


async def serve_connection(reader, writer, spacing):
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            body = json.loads(await reader.readexactly(length)) if length else {}
            n = int(body.get("max_tokens") or body.get("max_completion_tokens") or 10)
            writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n")
            await writer.drain()
            for _ in range(n):
                await asyncio.sleep(spacing)
                content = "t%d" % time.monotonic_ns()
                writer.write(sse(('{"id":"chatcmpl-chunks","object":"chat.completion.chunk","created":1700000000,'
                                  '"model":"gpt-4.1","choices":[{"index":0,"delta":{"content":"%s"},'
                                  '"logprobs":null,"finish_reason":null}]}' % content).encode()))
                await writer.drain()
            writer.write(sse(b'{"id":"chatcmpl-chunks","object":"chat.completion.chunk","created":1700000000,'
                             b'"model":"gpt-4.1","choices":[{"index":0,"delta":{},"finish_reason":"stop"}],'
                             b'"usage":{"prompt_tokens":12,"completion_tokens":%d,"total_tokens":%d}}' % (n, n + 12)))
            writer.write(sse(b"[DONE]") + b"0\r\n\r\n")
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


def serve(port, spacing_ms):
    async def main():
        server = await asyncio.start_server(
            lambda r, w: serve_connection(r, w, spacing_ms / 1000), "127.0.0.1", port)
        async with server:
            await server.serve_forever()
    asyncio.run(main())


# ---- client ---------------------------------------------------------------------------------------------------------

def cpu_ns(pid):
    total = 0
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                total += int(f.read().split()[0])
        except FileNotFoundError:
            pass  # a thread that ended meanwhile
    return total


class Target:
    def __init__(self, url, key):
        u = urllib.parse.urlsplit(url)
        self.path = u.path.rstrip("/") + "/chat/completions"
        self.conn = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
        self.headers = {"content-type": "application/json"}
        if key:
            self.headers["authorization"] = "Bearer " + key

    def stream(self, chunks):
        """One stream; the delays (ns) of its timestamped chunks."""
        body = json.dumps({"model": "gpt-4.1", "stream": True, "max_tokens": chunks,
                           "messages": [{"role": "user", "content": "count"}]})
        self.conn.request("POST", self.path, body, self.headers)
        response = self.conn.getresponse()
        if response.status != 200:
            raise SystemExit(f"{self.path}: HTTP {response.status}: {response.read()[:300]!r}")
        delays = []
        while True:
            line = response.readline()
            if not line:
                break
            now = time.monotonic_ns()
            if line.startswith(b"data: [DONE]"):
                response.read()
                break
            at = line.find(b'"content":"t')
            if at >= 0:
                sent = int(line[at + 12:line.index(b'"', at + 12)])
                delays.append(now - sent)
        if len(delays) != chunks:
            raise SystemExit(f"{self.path}: {len(delays)} chunks arrived, {chunks} sent")
        return delays


def percentiles(values):
    values = sorted(values)
    pick = lambda q: values[min(len(values) - 1, int(q * len(values)))] / 1000
    return {"p50_us": round(pick(0.50), 1), "p90_us": round(pick(0.90), 1), "p99_us": round(pick(0.99), 1)}


def measure(a):
    direct, gateway = Target(a.direct, None), Target(a.gateway, a.key)
    for target in (direct, gateway):  # warm-up: connections open, code paths hot
        for _ in range(3):
            target.stream(20)
    # What the gateway spends with nothing to do (timers, background flushes) is charged to time, not to chunks:
    # measured first, and taken out of each phase in proportion to its length.
    before, started = cpu_ns(a.gateway_pid), time.monotonic_ns()
    time.sleep(3)
    idle_rate = (cpu_ns(a.gateway_pid) - before) / (time.monotonic_ns() - started)
    few = max(1, a.chunks // 10)
    result = {"streams": a.streams, "chunks": a.chunks, "spacing_ms": a.spacing_ms,
              "idle_cpu_ms_per_s": round(idle_rate * 1000, 2)}
    delays = {"direct": [], "gateway": []}
    cpu = {}
    for chunks in (few, a.chunks):
        before, started = cpu_ns(a.gateway_pid), time.monotonic_ns()
        for _ in range(a.streams):
            delays["gateway"] += gateway.stream(chunks)
        cpu[chunks] = cpu_ns(a.gateway_pid) - before - idle_rate * (time.monotonic_ns() - started)
        for _ in range(a.streams):
            delays["direct"] += direct.stream(chunks)
    result["direct"] = percentiles(delays["direct"])
    result["gateway"] = percentiles(delays["gateway"])
    result["added"] = {k: round(result["gateway"][k] - result["direct"][k], 1) for k in result["gateway"]}
    result["cpu_per_chunk_us"] = round((cpu[a.chunks] - cpu[few]) / (a.streams * (a.chunks - few)) / 1000, 2)
    result["cpu_per_stream_us"] = round(cpu[few] / a.streams / 1000, 1)
    json.dump(result, sys.stdout, indent=2)
    print()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="mode", required=True)
    s = sub.add_parser("serve")
    s.add_argument("port", type=int)
    s.add_argument("--spacing-ms", type=float, default=1.0)
    m = sub.add_parser("measure")
    m.add_argument("--direct", required=True, help="the upstream's base URL, e.g. http://127.0.0.1:28190/v1")
    m.add_argument("--gateway", required=True, help="the gateway's base URL, e.g. http://127.0.0.1:18083/v1")
    m.add_argument("--key", required=True)
    m.add_argument("--gateway-pid", type=int, required=True)
    m.add_argument("--streams", type=int, default=40)
    m.add_argument("--chunks", type=int, default=300)
    m.add_argument("--spacing-ms", type=float, default=1.0, help="recorded in the result (set it on `serve`)")
    a = ap.parse_args()
    if a.mode == "serve":
        serve(a.port, a.spacing_ms)
    else:
        if a.chunks < 20 or a.streams < 1:
            ap.error("--chunks must be at least 20 and --streams at least 1")
        measure(a)


if __name__ == "__main__":
    main()
