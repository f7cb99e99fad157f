"""Run the JS SDK conformance tests (tests/sdk/js, node:test, seam 1.160 on Node 20)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

JS_DIR = Path(__file__).resolve().parent / "js"


def test_js_sdk(run_node_tests):
    node = shutil.which("node")
    if node is None:
        pytest.fail("node not found (need Node 20)", pytrace=False)
    run_node_tests(JS_DIR, node)
