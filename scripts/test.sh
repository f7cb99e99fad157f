#!/usr/bin/env bash
# The whole test suite: Rust unit and integration tests against PostgreSQL (each test on a
# fresh database), then the official Seam SDKs (Python and JS) driving the real binary.
#
# Needs PostgreSQL at $DATABASE_URL (default: the local server, trust auth, user postgres),
# Rust, python3 and Node 20 with npm. SDKs are installed into .sdk/ and tests/sdk/js/.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
scripts/wait-for-postgres.sh "$DATABASE_URL"
scripts/install-sdks.sh

cargo build --all-targets --locked
cargo test --all-targets --locked

SEAM_EMULATOR_BIN="$PWD/target/debug/seam-emulator" .sdk/venv/bin/python -m pytest tests/sdk -q -p no:cacheprovider
