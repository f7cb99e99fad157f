"""Run the JS SDK conformance tests (tests/sdk/js, node:test, seam 1.160 on Node 20).

tests/sdk/js holds two files that node runs side by side: sdk.test.mjs (the SDK against the
server, with the failure rehearsal) and schema.test.mjs (real responses validated against
Seam's published OpenAPI schemas from @seamapi/types). The schema test's findings (known
server mismatches, keys we send that Seam does not document) are printed: see them with
`pytest -rP tests/sdk/test_js_sdk.py`.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

JS_DIR = Path(__file__).resolve().parent / "js"


def test_js_sdk(run_node_tests):
    node = shutil.which("node")
    if node is None:
        pytest.fail("node not found (need Node 20)", pytrace=False)
    output = run_node_tests(JS_DIR, node)
    findings = [
        line.strip()
        for line in output.splitlines()
        if "known server mismatch" in line
        or "undocumented keys" in line
        or "responses checked against" in line
    ]
    print("\n".join(findings))
