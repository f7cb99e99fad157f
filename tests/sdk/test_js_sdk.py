"""Run the JS SDK conformance tests (tests/sdk/js, node:test) against the shared server."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

JS_DIR = Path(__file__).resolve().parent / "js"
NODE_TIMEOUT_S = 300


def test_js_sdk(server):
    node = shutil.which("node")
    if node is None:
        pytest.fail("node not found (need Node 20)", pytrace=False)
    if not (JS_DIR / "node_modules" / "seam").is_dir():
        pytest.fail(
            f"{JS_DIR}/node_modules is missing: run scripts/install-sdks.sh", pytrace=False
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

    test_files = sorted(p.name for p in JS_DIR.glob("*.test.mjs"))
    assert test_files, f"no *.test.mjs in {JS_DIR}"
    res = subprocess.run(
        [node, "--test", "--test-reporter=spec", *test_files],
        cwd=JS_DIR,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=NODE_TIMEOUT_S,
    )
    output = res.stdout + ("\n--- stderr ---\n" + res.stderr if res.stderr.strip() else "")
    if res.returncode != 0:
        pytest.fail(
            f"node --test exited with {res.returncode}\n{output}", pytrace=False
        )
    counts = dict(re.findall(r"^\S* ?(tests|pass|fail) (\d+)$", res.stdout, re.M))
    assert counts.get("fail") == "0" and int(counts.get("pass", "0")) > 0, output
