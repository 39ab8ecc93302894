"""Fixtures for HolySheep's end-to-end tests.

The tests drive a REAL ``holysheep serve`` process (``$HOLYSHEEP_BIN``) with the official
``openai`` SDK and ``httpx``, in front of the fake OpenAI upstream of ``fake_upstream.py``.
Every gateway-backed test runs once per storage engine: ``sqlite`` (a file in a temporary
folder) and ``postgres`` (a fresh database on the cluster named by
``$HOLYSHEEP_TEST_POSTGRES_URL``, which ``scripts/test.sh`` starts).

When ``$HOLYSHEEP_BIN`` or ``$HOLYSHEEP_TEST_POSTGRES_URL`` is missing, the tests that need it
fail with a clear message under CI (``CI=true``) and are skipped elsewhere.

On a failing test, the report carries what each gateway wrote to stderr meanwhile, and the
list of requests the fake upstream received.
"""

from __future__ import annotations

import ctypes
import dataclasses
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import time
import uuid
from pathlib import Path
from typing import Any, Callable, Iterator, Optional, Sequence
from urllib.parse import urlsplit

import httpx
import openai
import pytest

from fake_providers import ANTHROPIC_KEY, GEMINI_KEY, FakeAnthropic, FakeGemini
from fake_upstream import FakeUpstream
from support import UPSTREAM_KEY, bearer

IN_CI = os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")
BIN_ENV = "HOLYSHEEP_BIN"
PG_ENV = "HOLYSHEEP_TEST_POSTGRES_URL"
ENGINES = ("sqlite", "postgres")

READY_TIMEOUT = 60.0  # s for `serve` to answer GET /healthz
READY_POLL_INTERVAL = 0.02  # s between GET /healthz tries (a gateway is ready in ~0.15 s; test_routing.py starts dozens)
STOP_TIMEOUT = 15.0  # s for the process to exit after SIGTERM
CLI_TIMEOUT = 60.0  # s for one admin command
KEY_PROPAGATION_TIMEOUT = 2.0  # s for a key created by the CLI to be accepted by a running server
USAGE_TIMEOUT = 3.0  # s for a usage row to be written (batched, "within ~1 s")
MAX_BODY_BYTES = 65536

KEY_RE = re.compile(r"hs_(live|test)_[A-Za-z0-9]{32}")


def unavailable(message: str) -> None:
    """A missing prerequisite fails the test under CI and skips it elsewhere."""
    if IN_CI:
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


try:
    _LIBC: Optional[ctypes.CDLL] = ctypes.CDLL(None, use_errno=True)
except OSError:  # pragma: no cover - non-glibc systems
    _LIBC = None


def _die_with_parent() -> None:
    """In the child before exec: get SIGKILL if pytest dies, so no gateway outlives the run."""
    if _LIBC is not None:
        _LIBC.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def _tail(text: str, lines: int) -> str:
    parts = text.splitlines()
    if len(parts) <= lines:
        return text
    return f"[... {len(parts) - lines} earlier lines cut ...]\n" + "\n".join(parts[-lines:])


def config_yaml(upstream_base_url: str, storage_url: str, *, max_body_bytes: int = MAX_BODY_BYTES) -> str:
    """The test configuration: the fake upstream, an unreachable provider, three models."""
    return f"""\
# HolySheep end-to-end test configuration (written by tests/e2e/conftest.py)
server:   {{ host: 127.0.0.1, port: 8080 }}
storage:  {{ url: "{storage_url}" }}
limits:   {{ max_body_bytes: {max_body_bytes} }}
# This shared gateway checks what one upstream answer turns into: no retries, and a breaker that never opens
# (test_routing.py starts gateways of its own to test retries, fallback and the breaker).
routing:  {{ retries: 0, breaker: {{ failure_threshold: 10000, min_requests: 100000 }} }}
providers:
  - {{ name: fake, kind: openai, base_url: "{upstream_base_url}", api_key_env: FAKE_UPSTREAM_KEY }}
  - {{ name: dead, kind: openai, base_url: "http://127.0.0.1:9/v1" }}
models:
  - name: gpt-4.1
    kind: chat
    price: {{ input_per_mtok: 8, output_per_mtok: 8 }}
    deployments: [ {{ provider: fake, model: gpt-4.1-2025-04-14 }} ]
  - name: deepseek-v3.2
    kind: chat
    price: {{ input_per_mtok: 0.42, output_per_mtok: 0.42 }}
    deployments: [ {{ provider: fake, model: deepseek-chat }} ]
  - name: broken-model
    kind: chat
    price: {{ input_per_mtok: 1, output_per_mtok: 1 }}
    deployments: [ {{ provider: dead, model: whatever }} ]
"""


# =========================================================================== storage


def psql_binary() -> str:
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/psql"), key=lambda p: int(p.parts[-3]) if p.parts[-3].isdigit() else 0)
    if candidates:
        return str(candidates[-1])
    found = shutil.which("psql")
    if not found:
        pytest.fail("psql not found: install Debian's postgresql package (scripts/test.sh does)", pytrace=False)
    return found


def _sql_literal(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


class Storage:
    """Read access to a gateway's storage, for assertions (``?`` placeholders)."""

    engine: str
    url: str

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        raise NotImplementedError

    def dispose(self) -> None:
        """Drop whatever was created for this storage."""

    def usage_rows(self, request_id: str) -> list[dict[str, Any]]:
        return self.query("SELECT * FROM usage_records WHERE request_id = ?", [request_id])


class SqliteStorage(Storage):
    engine = "sqlite"

    def __init__(self, path: Path):
        self.path = path
        self.url = f"sqlite:{path}"

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=5)
        try:
            conn.row_factory = sqlite3.Row
            return [dict(row) for row in conn.execute(sql, list(params)).fetchall()]
        finally:
            conn.close()


class PostgresStorage(Storage):
    engine = "postgres"

    def __init__(self, server: "PostgresServer", url: str, database: str):
        self.server = server
        self.url = url
        self.database = database

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        pieces = sql.split("?")
        if len(pieces) - 1 != len(params):
            raise ValueError(f"{len(params)} params for {len(pieces) - 1} placeholders in {sql!r}")
        bound = pieces[0] + "".join(_sql_literal(p) + rest for p, rest in zip(params, pieces[1:]))
        wrapped = f"SELECT coalesce(json_agg(row_to_json(q)), '[]'::json) FROM ({bound}) AS q"
        return json.loads(self.server.psql(self.url, wrapped) or "[]")

    def dispose(self) -> None:
        self.server.drop_database(self.database)


class PostgresServer:
    """The test cluster: one fresh database per gateway, so engines and tests don't share state."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.psql_bin = psql_binary()

    def psql(self, url: str, sql: str, timeout: float = 30) -> str:
        proc = subprocess.run(
            [self.psql_bin, "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", sql],
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
            env={**os.environ, "PGCONNECT_TIMEOUT": "5"},
        )
        if proc.returncode != 0:
            raise RuntimeError(f"psql failed ({proc.returncode}) on {sql!r}: {proc.stderr.strip()}")
        return proc.stdout.strip()

    def create_storage(self) -> PostgresStorage:
        name = f"hs_e2e_{uuid.uuid4().hex[:12]}"
        self.psql(self.base_url, f'CREATE DATABASE "{name}"')
        url = urlsplit(self.base_url)._replace(path=f"/{name}").geturl()
        return PostgresStorage(self, url, name)

    def drop_database(self, name: str) -> None:
        try:
            self.psql(self.base_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        except (RuntimeError, subprocess.TimeoutExpired):
            pass  # best effort: the whole cluster is thrown away after the run


# =========================================================================== gateway


class GatewayError(Exception):
    pass


@dataclasses.dataclass
class ApiKey:
    id: str
    secret: str
    label: str
    stdout: str


class Gateway:
    """One ``holysheep serve`` process, its config, its storage and its log."""

    def __init__(self, binary: Path, workdir: Path, storage: Storage, upstream_base_url: str, *, name: str, config_text: Optional[str] = None):
        self.binary = binary
        self.workdir = workdir
        self.storage = storage
        self.name = name
        self.config_path = workdir / "holysheep.yaml"
        self.log_path = workdir / "holysheep.log"
        self.config_path.write_text(config_text if config_text is not None else config_yaml(upstream_base_url, storage.url))
        self.port: Optional[int] = None
        self.proc: Optional[subprocess.Popen] = None
        self.killed = False
        self.owns_storage = True  # dispose() drops the storage; False when a test shares it between gateways
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("HOLYSHEEP_", "OPENAI_"))}
        self.env["HOLYSHEEP_CONFIG"] = str(self.config_path)  # CLI commands read the same configuration as the server
        self.env["FAKE_UPSTREAM_KEY"] = UPSTREAM_KEY
        self.env["FAKE_ANTHROPIC_KEY"] = ANTHROPIC_KEY  # provider keys of test_translation.py's configuration
        self.env["FAKE_GEMINI_KEY"] = GEMINI_KEY
        self.log_path.touch()

    # -- addresses ----------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        return f"{self.url}/v1"

    # -- process ------------------------------------------------------------------------

    def serve_command(self) -> list[str]:
        return [
            str(self.binary), "serve",
            "--config", str(self.config_path),
            "--host", "127.0.0.1",
            "--port", str(self.port),
            "--storage", self.storage.url,
        ]  # fmt: skip

    def start(self, timeout: float = READY_TIMEOUT) -> "Gateway":
        for attempt in range(1, 4):
            self.port = free_port()
            command = self.serve_command()
            with self.log_path.open("ab") as log:
                log.write(f"\n===== {' '.join(command)} (attempt {attempt})\n".encode())
                self.proc = subprocess.Popen(
                    command,
                    cwd=self.workdir,
                    env=self.env,
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    preexec_fn=_die_with_parent,
                )
            state = self._wait_ready(timeout)
            if state == "ready":
                return self
            if state == "port-in-use" and attempt < 3:
                continue
            raise GatewayError(
                f"holysheep serve did not become ready ({state}) at {self.url}/healthz within {timeout:.0f} s; "
                f"exit code {self.proc.returncode}.\n--- {self.log_path}:\n{_tail(self.log_text(), 80)}"
            )
        raise AssertionError("unreachable")

    def _wait_ready(self, timeout: float) -> str:
        assert self.proc is not None
        deadline = time.monotonic() + timeout
        with httpx.Client(timeout=httpx.Timeout(2.0)) as http:
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    text = self.log_text().lower()
                    in_use = "address already in use" in text or "addrinuse" in text or "address in use" in text
                    return "port-in-use" if in_use else "exited"
                try:
                    if http.get(f"{self.url}/healthz").status_code == 200:
                        return "ready"
                except httpx.HTTPError:
                    pass
                time.sleep(READY_POLL_INTERVAL)
        self.kill()
        return "timeout"

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def signal(self, sig: int) -> None:
        assert self.proc is not None
        self.proc.send_signal(sig)

    def wait(self, timeout: float) -> int:
        """Wait for the process to exit; its exit code (raises subprocess.TimeoutExpired)."""
        assert self.proc is not None
        return self.proc.wait(timeout=timeout)

    def kill(self) -> None:
        if self.running:
            assert self.proc is not None
            self.proc.kill()
            self.proc.wait(timeout=10)
            self.killed = True

    def stop(self, timeout: float = STOP_TIMEOUT) -> Optional[int]:
        """SIGTERM, then SIGKILL after ``timeout`` s (sets ``killed``); the exit code."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill()
        return self.proc.returncode

    # -- log ------------------------------------------------------------------------------

    def log_size(self) -> int:
        try:
            return self.log_path.stat().st_size
        except FileNotFoundError:
            return 0

    def log_text(self, start: int = 0) -> str:
        try:
            with self.log_path.open("rb") as f:
                f.seek(start)
                return f.read().decode("utf-8", "replace")
        except FileNotFoundError:
            return ""

    # -- admin CLI ------------------------------------------------------------------------

    def cli(self, *args: str, check: bool = True, timeout: float = CLI_TIMEOUT) -> subprocess.CompletedProcess:
        """Run ``holysheep ARGS...`` (an admin command beside the server)."""
        command = [str(self.binary), *args]
        proc = subprocess.run(command, cwd=self.workdir, env=self.env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=timeout)
        if check and proc.returncode != 0:
            raise AssertionError(
                f"`{' '.join(command)}` exited {proc.returncode}\n--- stdout:\n{proc.stdout}\n--- stderr:\n{proc.stderr}"
            )
        return proc

    def create_key(
        self,
        label: Optional[str] = None,
        *,
        sandbox: bool = False,
        rpm: Optional[int] = None,
        tpm: Optional[int] = None,
        models: Optional[Sequence[str]] = None,
        wait_active: bool = True,
    ) -> ApiKey:
        label = label or f"e2e-{uuid.uuid4().hex[:8]}"
        args = ["keys", "create", "--storage", self.storage.url, "--label", label]
        if sandbox:
            args.append("--sandbox")
        if rpm is not None:
            args += ["--rpm", str(rpm)]
        if tpm is not None:
            args += ["--tpm", str(tpm)]
        if models is not None:
            args += ["--models", ",".join(models)]
        proc = self.cli(*args)
        lines = [line for line in proc.stdout.splitlines() if line.strip()]
        assert lines, f"`keys create` printed nothing on stdout; stderr:\n{proc.stderr}"
        first = re.match(r"Created key (\S+)", lines[0])
        assert first, f"`keys create`'s first line is not 'Created key <ID> ...': {lines[0]!r}"
        secret = lines[-1].strip()
        assert KEY_RE.fullmatch(secret), f"`keys create`'s last stdout line is not a key alone: {secret!r}"
        key = ApiKey(id=first.group(1), secret=secret, label=label, stdout=proc.stdout)
        if wait_active and self.running:
            self.wait_key_accepted(key.secret)
        return key

    def wait_key_accepted(self, secret: str, timeout: float = KEY_PROPAGATION_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        last: Optional[httpx.Response] = None
        with httpx.Client(timeout=5) as http:
            while True:
                last = http.get(f"{self.base_url}/models", headers=bearer(secret))
                if last.status_code == 200 or time.monotonic() >= deadline:
                    break
                time.sleep(0.05)
        assert last.status_code == 200, (
            f"a key made by `keys create` was not accepted by the running server within {timeout} s: "
            f"GET /v1/models -> {last.status_code} {last.text[:300]}"
        )

    def list_keys(self) -> list[dict[str, Any]]:
        proc = self.cli("keys", "list", "--storage", self.storage.url, "--format", "json")
        try:
            keys = json.loads(proc.stdout)
        except ValueError as e:
            raise AssertionError(f"`keys list --format json` is not JSON ({e}):\n{proc.stdout}") from None
        assert isinstance(keys, list), f"`keys list --format json` is not a JSON array: {proc.stdout[:300]}"
        return keys

    def revoke_key(self, key_id: str) -> subprocess.CompletedProcess:
        return self.cli("keys", "revoke", key_id, "--storage", self.storage.url)

    # -- clients --------------------------------------------------------------------------

    def openai(self, key: ApiKey | str, **kwargs: Any) -> openai.OpenAI:
        secret = key.secret if isinstance(key, ApiKey) else key
        kwargs.setdefault("timeout", 30.0)
        return openai.OpenAI(api_key=secret, base_url=self.base_url, max_retries=0, **kwargs)

    def wait_for_usage(self, request_id: str, timeout: float = USAGE_TIMEOUT) -> dict[str, Any]:
        """The usage row of ``request_id``, polled for up to ``timeout`` s."""
        deadline = time.monotonic() + timeout
        error: Optional[Exception] = None
        while True:
            try:
                rows = self.storage.usage_rows(request_id)
                error = None
            except Exception as e:  # table not there yet, database busy, ...
                rows, error = [], e
            if rows:
                assert len(rows) == 1, f"{len(rows)} usage rows for request_id {request_id}: {rows}"
                return rows[0]
            if time.monotonic() >= deadline:
                raise AssertionError(
                    f"no usage_records row with request_id={request_id!r} after {timeout} s"
                    + (f" (last query error: {error})" if error else "")
                )
            time.sleep(0.1)


_GATEWAYS: list[Gateway] = []
_FAKE: list[FakeUpstream] = []


class GatewayLauncher:
    """Makes storages and gateways; owns their clean-up."""

    def __init__(self, binary: Path, fake: FakeUpstream, tmp_factory: pytest.TempPathFactory, pg: Optional[PostgresServer]):
        self.binary = binary
        self.fake = fake
        self.tmp_factory = tmp_factory
        self.pg = pg

    def storage(self, engine: str, workdir: Path) -> Storage:
        if engine == "sqlite":
            return SqliteStorage(workdir / "holysheep.db")
        if engine == "postgres":
            if self.pg is None:
                unavailable(f"{PG_ENV} is not set: the postgres engine needs a PostgreSQL URL (scripts/test.sh starts a cluster and sets it)")
            assert self.pg is not None
            return self.pg.create_storage()
        raise ValueError(engine)

    def make(
        self, engine: str, *, name: str, config_text: Optional[Callable[[str, str], str]] = None, storage: Optional[Storage] = None
    ) -> Gateway:
        """A gateway whose process is not started yet. ``config_text(upstream_url, storage_url)``
        replaces the default configuration. With ``storage`` the gateway uses that storage and
        leaves it in place when disposed (its maker drops it); otherwise it gets a fresh one."""
        workdir = self.tmp_factory.mktemp(f"{name}-{engine}")
        owned = storage is None
        if storage is None:
            storage = self.storage(engine, workdir)
        text = config_text(self.fake.base_url, storage.url) if config_text else None
        gateway = Gateway(self.binary, workdir, storage, self.fake.base_url, name=f"{name}[{engine}]", config_text=text)
        gateway.owns_storage = owned
        _GATEWAYS.append(gateway)
        return gateway

    def dispose(self, gateway: Gateway) -> None:
        """Stop the process (SIGTERM, SIGKILL after STOP_TIMEOUT) and drop its storage (if it
        owns it). Fails if the gateway had to be killed: it did not shut down on SIGTERM."""
        gateway.stop()
        if gateway.owns_storage:
            gateway.storage.dispose()
        if gateway in _GATEWAYS:
            _GATEWAYS.remove(gateway)
        if gateway.killed:
            pytest.fail(
                f"gateway {gateway.name} did not exit within {STOP_TIMEOUT} s of SIGTERM and was killed\n"
                f"--- {gateway.log_path}:\n{_tail(gateway.log_text(), 60)}",
                pytrace=False,
            )


# =========================================================================== fixtures


@pytest.fixture(scope="session")
def holysheep_bin() -> Path:
    value = os.environ.get(BIN_ENV)
    if not value:
        unavailable(f"{BIN_ENV} is not set: point it at the built holysheep executable (bash scripts/test.sh does)")
    path = Path(value)  # type: ignore[arg-type]
    if not (path.is_file() and os.access(path, os.X_OK)):
        unavailable(f"{BIN_ENV}={value} is not an executable file: build it first (swift build)")
    return path


@pytest.fixture(scope="session")
def fake_upstream() -> Iterator[FakeUpstream]:
    with FakeUpstream() as fake:
        _FAKE.append(fake)
        yield fake
        _FAKE.remove(fake)


@pytest.fixture(scope="session")
def fake_upstream_b() -> Iterator[FakeUpstream]:
    """A second fake upstream (test_routing.py's provider ``b``), reset and reported like the first."""
    with FakeUpstream(name="fake upstream B") as fake:
        _FAKE.append(fake)
        yield fake
        _FAKE.remove(fake)


@pytest.fixture(scope="session")
def fake_anthropic() -> Iterator[FakeAnthropic]:
    """A fake Anthropic Messages API (fake_providers.py), reset and reported like the fake upstream."""
    with FakeAnthropic() as fake:
        _FAKE.append(fake)
        yield fake
        _FAKE.remove(fake)


@pytest.fixture(scope="session")
def fake_gemini() -> Iterator[FakeGemini]:
    """A fake Gemini generateContent API (fake_providers.py), reset and reported like the fake upstream."""
    with FakeGemini() as fake:
        _FAKE.append(fake)
        yield fake
        _FAKE.remove(fake)


@pytest.fixture(autouse=True)
def _per_test_bookkeeping(request: pytest.FixtureRequest) -> Iterator[None]:
    """Note where each gateway log ends before the test (to report only this test's part),
    and give the test fake upstreams with no recorded requests and nothing scripted."""
    request.node.stash[_LOG_MARKS] = {id(g): g.log_size() for g in _GATEWAYS}
    for fake in _FAKE:
        fake.reset()
    yield


@pytest.fixture(scope="session")
def pg_server() -> Optional[PostgresServer]:
    url = os.environ.get(PG_ENV)
    return PostgresServer(url) if url else None


@pytest.fixture(scope="session", params=ENGINES)
def storage_engine(request: pytest.FixtureRequest) -> str:
    if request.param == "postgres" and not os.environ.get(PG_ENV):
        unavailable(f"{PG_ENV} is not set: the postgres engine needs a PostgreSQL URL (scripts/test.sh starts a cluster and sets it)")
    return request.param


@pytest.fixture(scope="session")
def launcher(holysheep_bin: Path, fake_upstream: FakeUpstream, tmp_path_factory: pytest.TempPathFactory, pg_server: Optional[PostgresServer]) -> GatewayLauncher:
    return GatewayLauncher(holysheep_bin, fake_upstream, tmp_path_factory, pg_server)


@pytest.fixture(scope="session")
def gateway(launcher: GatewayLauncher, storage_engine: str) -> Iterator[Gateway]:
    """The shared gateway of one storage engine (most tests use it)."""
    gw = launcher.make(storage_engine, name="shared")
    try:
        gw.start()
        yield gw
    finally:
        launcher.dispose(gw)


@pytest.fixture(scope="session")
def api_key(gateway: Gateway) -> ApiKey:
    """A production key with the default limits, on the shared gateway."""
    return gateway.create_key("e2e-shared")


@pytest.fixture
def client(gateway: Gateway, api_key: ApiKey) -> openai.OpenAI:
    """The official SDK pointed at the shared gateway (no retries)."""
    return gateway.openai(api_key)


@pytest.fixture
def http(gateway: Gateway) -> Iterator[httpx.Client]:
    """A raw HTTP client on the shared gateway's root URL (no auth header)."""
    with httpx.Client(base_url=gateway.url, timeout=30.0) as c:
        yield c


@pytest.fixture
def launch_gateway(launcher: GatewayLauncher) -> Iterator[Callable[..., Gateway]]:
    """Factory for a dedicated gateway: ``launch_gateway(engine, name=..., start=True,
    config_text=None, storage=None)``; stopped and cleaned up after the test (a ``storage``
    passed in is left in place)."""
    made: list[Gateway] = []

    def launch(
        engine: str,
        *,
        name: str = "dedicated",
        start: bool = True,
        config_text: Optional[Callable[[str, str], str]] = None,
        storage: Optional[Storage] = None,
    ) -> Gateway:
        gw = launcher.make(engine, name=name, config_text=config_text, storage=storage)
        made.append(gw)
        if start:
            gw.start()
        return gw

    yield launch
    for gw in made:
        launcher.dispose(gw)


# =========================================================================== reporting

_LOG_MARKS = pytest.StashKey[dict]()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    if not report.failed:
        return
    marks = item.stash.get(_LOG_MARKS, {})
    for gw in list(_GATEWAYS):
        start = marks.get(id(gw), 0)
        text = gw.log_text(start)
        if text.strip():
            report.sections.append((f"holysheep log {gw.name} since the test started ({gw.log_path})", _tail(text, 150)))
    for fake in _FAKE:
        lines = [r.summary() for r in fake.requests]
        report.sections.append((f"{fake.name} requests during the test", "\n".join(lines) or "(none)"))
