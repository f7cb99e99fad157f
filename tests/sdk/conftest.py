"""Start the real seam-emulator binary once per test session for the SDK suite.

The `server` fixture yields ``{"endpoint", "api_key", "seed"}`` where ``seed`` is
the body of ``GET /_fake/default_seed`` (``workspace_id`` and ``devices`` by name).

Environment knobs:
  SEAM_EMULATOR_BIN          server binary (default: <repo>/target/debug/seam-emulator)
  SEAM_SDK_TEST_PG_URL       Postgres server URL without a database name
                             (default: postgres://postgres@127.0.0.1:5432)
Each session uses a fresh database ``sdk_<random hex>`` and drops it at teardown.

The ``run_node_tests`` fixture is a function ``(js_dir, node)``: it runs a JS suite
(``node --test`` over ``js_dir/*.test.mjs``) against the shared server with SEAM_ENDPOINT,
SEAM_API_KEY and SEAM_SEED_JSON set, and fails the calling test with node's output unless
every JS test passed.
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
from typing import Callable

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_BIN = REPO_ROOT / "target" / "debug" / "seam-emulator"
DEFAULT_PG_URL = "postgres://postgres@127.0.0.1:5432"
STARTUP_TIMEOUT_S = 60.0
SHUTDOWN_GRACE_S = 10.0
NODE_TIMEOUT_S = 300
LISTENING_RE = re.compile(r"listening on (http://\S+)")


class _ServerProcess:
    """The server subprocess, its collected output and the URL it listens on."""

    def __init__(self, binary: Path, env: dict[str, str]):
        self.lines: list[str] = []
        self._lock = threading.Lock()
        self._listening = threading.Event()
        self.endpoint: str | None = None
        self.proc = subprocess.Popen(
            [str(binary)],
            cwd=REPO_ROOT,
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
        # Give the reader a moment to collect the last lines of a dying server.
        self._reader.join(1.0)
        code = self.proc.poll()
        why = (
            f"exited early with code {code}"
            if code is not None
            else f"printed no 'listening on http://...' line within {timeout:.0f}s"
        )
        self.stop()
        pytest.fail(
            f"seam-emulator {why}.\n--- server output ---\n{self.output()}",
            pytrace=False,
        )

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(SHUTDOWN_GRACE_S)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self._reader.join(2.0)


def _drop_database(pg_url: str, db_name: str) -> None:
    """Best effort: drop the session's database (psql if available)."""
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


def _get_json(url: str, api_key: str, timeout: float = 10.0) -> dict:
    req = urllib.request.Request(url, headers={"Authorization": f"Bearer {api_key}"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return json.loads(resp.read().decode())
    except urllib.error.HTTPError as e:
        body = e.read().decode(errors="replace")
        raise AssertionError(f"GET {url} -> HTTP {e.code}: {body}") from None


@pytest.fixture(scope="session")
def server():
    binary = Path(os.environ.get("SEAM_EMULATOR_BIN") or DEFAULT_BIN)
    if not binary.is_absolute():
        binary = REPO_ROOT / binary
    if not binary.is_file():
        pytest.fail(
            f"server binary not found at {binary}: run `cargo build` "
            "or set SEAM_EMULATOR_BIN",
            pytrace=False,
        )

    pg_url = (os.environ.get("SEAM_SDK_TEST_PG_URL") or DEFAULT_PG_URL).rstrip("/")
    db_name = f"sdk_{secrets.token_hex(8)}"
    api_key = f"seam_sdktest_{secrets.token_hex(12)}"

    env = dict(os.environ)
    # Never let a developer's SEAM_* client settings leak into the SDKs.
    for var in ("SEAM_API_KEY", "SEAM_ENDPOINT", "SEAM_PERSONAL_ACCESS_TOKEN"):
        env.pop(var, None)
    env.update(
        {
            "DATABASE_URL": f"{pg_url}/{db_name}",
            "SEAM_EMULATOR_BIND": "127.0.0.1:0",
            "SEAM_EMULATOR_SANDBOX_API_KEY": api_key,
            "SEAM_EMULATOR_DELAY_WARNING_AFTER_MS": "300",
            "SEAM_EMULATOR_FAILED_TO_SET_AFTER_MS": "800",
            "RUST_LOG": "warn",
        }
    )

    srv = _ServerProcess(binary, env)
    try:
        endpoint = srv.wait_listening(STARTUP_TIMEOUT_S)
        try:
            seed = _get_json(f"{endpoint}/_fake/default_seed", api_key)
        except Exception as e:  # noqa: BLE001
            pytest.fail(
                f"GET /_fake/default_seed failed: {e}\n--- server output ---\n"
                f"{srv.output()}",
                pytrace=False,
            )
        if not isinstance(seed.get("devices"), dict) or not seed.get("workspace_id"):
            pytest.fail(f"unexpected /_fake/default_seed body: {seed}", pytrace=False)

        yield {"endpoint": endpoint, "api_key": api_key, "seed": seed}
    finally:
        srv.stop()
        if srv.proc.returncode not in (0, None, -signal.SIGTERM, -signal.SIGKILL):
            print(
                f"[sdk conftest] server exited with {srv.proc.returncode}\n"
                f"{srv.output(50)}"
            )
        _drop_database(pg_url, db_name)


@pytest.fixture(scope="session")
def seed(server) -> dict:
    return server["seed"]


@pytest.fixture(scope="session")
def devices(seed) -> dict[str, str]:
    """Seeded device ids by name (august_front_door, yale_back_door, ...)."""
    return seed["devices"]


def _run_node_tests(server: dict, js_dir: Path, node: str | os.PathLike[str]) -> str:
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
def run_node_tests(server) -> Callable[[Path, str | os.PathLike[str]], str]:
    """``run_node_tests(js_dir, node)``: run one JS suite against the shared server."""
    return lambda js_dir, node: _run_node_tests(server, js_dir, node)
