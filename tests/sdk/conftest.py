"""Start the real seam-emulator binary once per test session for the SDK suite.

The `server` fixture yields ``{"endpoint", "api_key", "seed"}`` where ``seed`` is
the body of ``GET /_fake/default_seed`` (``workspace_id`` and ``devices`` by name).

Environment knobs:
  SEAM_EMULATOR_BIN          server binary (default: <repo>/target/debug/seam-emulator)
  SEAM_SDK_TEST_PG_URL       Postgres server URL without a database name
                             (default: postgres://postgres@127.0.0.1:5432)
Each session uses a fresh database ``sdk_<random hex>`` and drops it at teardown.

The ``emulator_factory`` fixture is a function ``(**env) -> EmulatorInstance``: a server of
the test's own on its own fresh database, which the test starts, stops (SIGTERM) and starts
again with the same DATABASE_URL and SEAM_EMULATOR_SANDBOX_API_KEY (the instances are
stopped and their databases dropped at teardown).

The ``receiver`` fixture is the session's webhook receiver (tests/sdk/js/receiver.mjs, which
verifies every delivery with the official @seamapi/webhook package): a ``Receiver`` with
``hook_url(channel)``, ``configure(channel, secret=, status=)`` and ``received(channel)``.

The ``run_node_tests`` fixture is a function ``(js_dir, node)``: it runs a JS suite
(``node --test`` over ``js_dir/*.test.mjs``) against the shared server with SEAM_ENDPOINT,
SEAM_API_KEY, SEAM_SEED_JSON and SEAM_WEBHOOK_RECEIVER_URL set, and fails the calling test
with node's output unless every JS test passed.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any, Callable, Sequence

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_BIN = REPO_ROOT / "target" / "debug" / "seam-emulator"
DEFAULT_PG_URL = "postgres://postgres@127.0.0.1:5432"
JS_DIR = Path(__file__).resolve().parent / "js"
RECEIVER_SCRIPT = JS_DIR / "receiver.mjs"
STARTUP_TIMEOUT_S = 60.0
SHUTDOWN_GRACE_S = 10.0
NODE_TIMEOUT_S = 300
LISTENING_RE = re.compile(r"listening on (http://\S+)")

# Server settings shared by every instance the suite starts: short failure delays so a
# rehearsal shows `failed_to_set_on_device` within a second, and fast webhook retries
# (200 ms doubling, capped at 1 s) so redelivery after a receiver outage is quick.
SERVER_ENV = {
    "SEAM_EMULATOR_BIND": "127.0.0.1:0",
    "SEAM_EMULATOR_DELAY_WARNING_AFTER_MS": "300",
    "SEAM_EMULATOR_FAILED_TO_SET_AFTER_MS": "800",
    "SEAM_EMULATOR_WEBHOOK_RETRY_BASE_MS": "200",
    "SEAM_EMULATOR_WEBHOOK_RETRY_CAP_MS": "1000",
    "RUST_LOG": "warn",
}


class _ChildProcess:
    """A child process, its collected output and the URL it prints as `listening on URL`."""

    def __init__(self, argv: Sequence[str], env: dict[str, str], cwd: Path, name: str):
        self.name = name
        self.lines: list[str] = []
        self._lock = threading.Lock()
        self._listening = threading.Event()
        self.endpoint: str | None = None
        self.proc = subprocess.Popen(
            list(argv),
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
            bufsize=1,
        )
        # Keep draining stdout for the whole session so the pipe never fills.
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            with self._lock:
                self.lines.append(line.rstrip("\n"))
            if self.endpoint is None:
                m = LISTENING_RE.search(line)
                if m:
                    self.endpoint = m.group(1).rstrip("/")
                    self._listening.set()
        self._listening.set()  # EOF: wake the waiter so it sees the exit

    def output(self, last: int = 200) -> str:
        with self._lock:
            return "\n".join(self.lines[-last:])

    def wait_listening(self, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._listening.wait(0.1):
                break
            if self.proc.poll() is not None:
                break
        if self.endpoint is not None:
            return self.endpoint
        # Give the reader a moment to collect the last lines of a dying process.
        self._reader.join(1.0)
        code = self.proc.poll()
        why = (
            f"exited early with code {code}"
            if code is not None
            else f"printed no 'listening on http://...' line within {timeout:.0f}s"
        )
        self.stop()
        pytest.fail(
            f"{self.name} {why}.\n--- {self.name} output ---\n{self.output()}",
            pytrace=False,
        )

    def stop(self) -> int | None:
        """SIGTERM, then SIGKILL after the grace period; the exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(SHUTDOWN_GRACE_S)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self._reader.join(2.0)
        return self.proc.returncode


def _drop_database(pg_url: str, db_name: str) -> None:
    """Best effort: drop a database the suite created (psql if available)."""
    psql = shutil.which("psql")
    if psql is None:
        print(f"[sdk conftest] psql not found; database {db_name} left behind")
        return
    parsed = urllib.parse.urlsplit(pg_url)
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = urllib.parse.unquote(parsed.password)
    cmd = [
        psql,
        "-h", parsed.hostname or "127.0.0.1",
        "-p", str(parsed.port or 5432),
        "-U", urllib.parse.unquote(parsed.username or "postgres"),
        "-d", "postgres",
        "-v", "ON_ERROR_STOP=1",
        "-qc", f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)',
    ]
    res = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60)
    if res.returncode != 0:
        print(f"[sdk conftest] could not drop {db_name}: {res.stderr.strip()}")


def _http_json(
    method: str, url: str, body: Any = None, api_key: str | None = None, timeout: float = 10.0
) -> dict:
    """One JSON request; the decoded body of a 2xx answer, else an AssertionError."""
    headers = {"Content-Type": "application/json"}
    if api_key is not None:
        headers["Authorization"] = f"Bearer {api_key}"
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return json.loads(resp.read().decode())
    except urllib.error.HTTPError as e:
        text = e.read().decode(errors="replace")
        raise AssertionError(f"{method} {url} -> HTTP {e.code}: {text}") from None


def _get_json(url: str, api_key: str, timeout: float = 10.0) -> dict:
    return _http_json("GET", url, api_key=api_key, timeout=timeout)


def _server_binary() -> Path:
    binary = Path(os.environ.get("SEAM_EMULATOR_BIN") or DEFAULT_BIN)
    if not binary.is_absolute():
        binary = REPO_ROOT / binary
    if not binary.is_file():
        pytest.fail(
            f"server binary not found at {binary}: run `cargo build` "
            "or set SEAM_EMULATOR_BIN",
            pytrace=False,
        )
    return binary


def _pg_url() -> str:
    return (os.environ.get("SEAM_SDK_TEST_PG_URL") or DEFAULT_PG_URL).rstrip("/")


class EmulatorInstance:
    """seam-emulator on one fresh database under one sandbox key, started on demand.

    ``start()`` launches a new process with the same DATABASE_URL and
    SEAM_EMULATOR_SANDBOX_API_KEY every time (so a restart finds everything it left in
    Postgres) and returns its endpoint; the port is new each time. ``stop()`` sends SIGTERM
    and returns the exit code. ``drop()`` stops it and drops its database.
    """

    def __init__(self, extra_env: dict[str, str] | None = None, prefix: str = "sdk"):
        self.binary = _server_binary()
        self.pg_url = _pg_url()
        self.db_name = f"{prefix}_{secrets.token_hex(8)}"
        self.api_key = f"seam_sdktest_{secrets.token_hex(12)}"
        self.database_url = f"{self.pg_url}/{self.db_name}"
        self.extra_env = dict(extra_env or {})
        self.process: _ChildProcess | None = None
        self.endpoint: str | None = None
        self.exit_codes: list[int | None] = []

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        # Never let a developer's SEAM_* client settings leak into the server.
        for var in ("SEAM_API_KEY", "SEAM_ENDPOINT", "SEAM_PERSONAL_ACCESS_TOKEN"):
            env.pop(var, None)
        env.update(SERVER_ENV)
        env.update(
            {
                "DATABASE_URL": self.database_url,
                "SEAM_EMULATOR_SANDBOX_API_KEY": self.api_key,
            }
        )
        env.update(self.extra_env)
        return env

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.proc.poll() is None

    def start(self) -> str:
        assert not self.running, "already running: stop() it first"
        self.process = _ChildProcess(
            [str(self.binary)], self.env(), REPO_ROOT, name="seam-emulator"
        )
        self.endpoint = self.process.wait_listening(STARTUP_TIMEOUT_S)
        return self.endpoint

    def stop(self) -> int | None:
        if self.process is None:
            return None
        code = self.process.stop()
        self.exit_codes.append(code)
        if code not in (0, None, -signal.SIGTERM, -signal.SIGKILL):
            print(
                f"[sdk conftest] server exited with {code}\n{self.process.output(50)}"
            )
        return code

    def output(self, last: int = 200) -> str:
        return self.process.output(last) if self.process else ""

    def seed(self) -> dict:
        assert self.endpoint, "not started"
        try:
            seed = _get_json(f"{self.endpoint}/_fake/default_seed", self.api_key)
        except Exception as e:  # noqa: BLE001
            pytest.fail(
                f"GET /_fake/default_seed failed: {e}\n--- server output ---\n"
                f"{self.output()}",
                pytrace=False,
            )
        if not isinstance(seed.get("devices"), dict) or not seed.get("workspace_id"):
            pytest.fail(f"unexpected /_fake/default_seed body: {seed}", pytrace=False)
        return seed

    def call(self, route: str, body: dict | None = None, method: str = "POST") -> dict:
        """One API call with the sandbox key; the JSON answer (2xx only)."""
        assert self.endpoint, "not started"
        return _http_json(method, f"{self.endpoint}{route}", body or {}, api_key=self.api_key)

    def drop(self) -> None:
        self.stop()
        _drop_database(self.pg_url, self.db_name)


@pytest.fixture(scope="session")
def server():
    instance = EmulatorInstance()
    try:
        endpoint = instance.start()
        seed = instance.seed()
        yield {"endpoint": endpoint, "api_key": instance.api_key, "seed": seed}
    finally:
        instance.drop()


@pytest.fixture
def emulator_factory():
    """``make(**env) -> EmulatorInstance``: a server of the test's own, on its own fresh
    database (not started: call ``start()``); stopped and dropped at teardown."""
    made: list[EmulatorInstance] = []

    def make(**extra_env: str) -> EmulatorInstance:
        instance = EmulatorInstance(extra_env, prefix="sdkown")
        made.append(instance)
        return instance

    yield make
    for instance in made:
        instance.drop()


@pytest.fixture(scope="session")
def seed(server) -> dict:
    return server["seed"]


@pytest.fixture(scope="session")
def devices(seed) -> dict[str, str]:
    """Seeded device ids by name (august_front_door, yale_back_door, ...)."""
    return seed["devices"]


# --------------------------------------------------------------------------- receiver


class Receiver:
    """Client of tests/sdk/js/receiver.mjs (see its header for the protocol)."""

    def __init__(self, base_url: str):
        self.base_url = base_url

    def hook_url(self, channel: str) -> str:
        """Where a webhook registration delivers for ``channel``."""
        return f"{self.base_url}/hooks/{urllib.parse.quote(channel, safe='')}"

    def configure(
        self,
        channel: str,
        *,
        secret: str | None = None,
        status: int | None = None,
        reset: bool = False,
    ) -> dict:
        body: dict[str, Any] = {}
        if secret is not None:
            body["secret"] = secret
        if status is not None:
            body["status"] = status
        if reset:
            body["reset"] = True
        return _http_json(
            "POST", f"{self.base_url}/control/{urllib.parse.quote(channel, safe='')}", body
        )

    def received(self, channel: str) -> dict:
        """``{deliveries: [{webhook_id, answered, accepted, event, ...}], rejected, ...}``."""
        q = urllib.parse.urlencode({"channel": channel})
        return _http_json("GET", f"{self.base_url}/received?{q}")


@pytest.fixture(scope="session")
def receiver() -> Receiver:
    node = shutil.which("node")
    if node is None:
        pytest.fail("node not found (need Node 20) for the webhook receiver", pytrace=False)
    if not (JS_DIR / "node_modules" / "@seamapi" / "webhook").is_dir():
        pytest.fail(
            f"{JS_DIR}/node_modules/@seamapi/webhook is missing: run scripts/install-sdks.sh",
            pytrace=False,
        )
    env = dict(os.environ)
    env.pop("NODE_OPTIONS", None)
    env.update({"RECEIVER_PORT": "0"})
    proc = _ChildProcess([node, str(RECEIVER_SCRIPT)], env, JS_DIR, name="webhook receiver")
    try:
        base_url = proc.wait_listening(15.0)
        rec = Receiver(base_url)
        health = _http_json("GET", f"{base_url}/health")
        assert health.get("ok") is True, health
        yield rec
    finally:
        proc.stop()


# --------------------------------------------------------------------------- node suites


def _run_node_tests(
    server: dict, receiver: Receiver, js_dir: Path, node: str | os.PathLike[str]
) -> str:
    """Run ``node --test`` over ``js_dir/*.test.mjs`` against ``server``; return node's output.

    Fails the calling test if the SDK is not installed, node exits non-zero, or node's
    summary does not show at least one pass and no failure.
    """
    if not (js_dir / "node_modules" / "seam").is_dir():
        pytest.fail(
            f"{js_dir}/node_modules is missing: run scripts/install-sdks.sh", pytrace=False
        )

    env = dict(os.environ)
    env.update(
        {
            "SEAM_ENDPOINT": server["endpoint"],
            "SEAM_API_KEY": server["api_key"],
            "SEAM_SEED_JSON": json.dumps(server["seed"]),
            "SEAM_WEBHOOK_RECEIVER_URL": receiver.base_url,
        }
    )
    env.pop("SEAM_PERSONAL_ACCESS_TOKEN", None)
    env.pop("NODE_OPTIONS", None)

    test_files = sorted(p.name for p in js_dir.glob("*.test.mjs"))
    assert test_files, f"no *.test.mjs in {js_dir}"
    res = subprocess.run(
        [str(node), "--test", "--test-reporter=spec", *test_files],
        cwd=js_dir,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=NODE_TIMEOUT_S,
    )
    output = res.stdout + ("\n--- stderr ---\n" + res.stderr if res.stderr.strip() else "")
    if res.returncode != 0:
        pytest.fail(f"{node} --test exited with {res.returncode}\n{output}", pytrace=False)
    counts = dict(re.findall(r"^\S* ?(tests|pass|fail) (\d+)$", res.stdout, re.M))
    assert counts.get("fail") == "0" and int(counts.get("pass", "0")) > 0, output
    return output


@pytest.fixture(scope="session")
def run_node_tests(server, receiver) -> Callable[[Path, str | os.PathLike[str]], str]:
    """``run_node_tests(js_dir, node)``: run one JS suite against the shared server."""
    return lambda js_dir, node: _run_node_tests(server, receiver, js_dir, node)
