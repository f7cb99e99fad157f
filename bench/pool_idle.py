#!/usr/bin/env python3
"""Measures the backup pool's refill latency and the idle cost of many pool-enabled devices.

Starts the release binary on a fresh database with default simulation settings, then:
  1. refill latency: time from activating a pool (or pulling a backup) until the lock holds
     the full pool again, read from /_fake/devices/lock_state, over several rounds;
  2. scale: adds N pool-enabled devices (default 10,000) to the sandbox, measures how long the
     workers take to fill every pool, then samples the server's CPU time over an idle window;
  3. then adds 10 codes per device (100,000 with the default) and checks that `get` latency
     stays flat and that `devices/list` pages through every device exactly once while rows
     are being added.
Prints a Markdown report. Only loopback traffic; stdlib and psql only.

Usage: python3 bench/pool_idle.py [--devices 10000] [--idle-seconds 30]
"""

import argparse
import json
import os
import secrets
import statistics
import subprocess
import sys
import time
import urllib.request
from datetime import datetime, timedelta, timezone

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target", "release", "seam-emulator")
PG = "postgres://postgres@127.0.0.1:5432"
KEY = "seam_bench_pool_key"


def psql(db, sql):
    out = subprocess.run(["psql", f"{PG}/{db}", "-Atqc", sql], check=True, capture_output=True, text=True)
    return out.stdout.strip()


def call(base, path, body):
    req = urllib.request.Request(base + path, data=json.dumps(body).encode(), method="POST",
                                 headers={"Authorization": f"Bearer {KEY}", "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as res:
        return json.load(res)


def iso(delta):
    return (datetime.now(timezone.utc) + delta).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def ready(base, device):
    return call(base, "/_fake/devices/lock_state", {"device_id": device})["lock_state"]["backup_pool"]["ready"]


def wait_full(base, device, target=5, timeout=10.0):
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if ready(base, device) >= target:
            return time.monotonic() - start
        time.sleep(0.005)
    raise RuntimeError(f"pool of {device} not full after {timeout}s")


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--devices", type=int, default=10_000)
    ap.add_argument("--idle-seconds", type=int, default=30)
    ap.add_argument("--rounds", type=int, default=20)
    args = ap.parse_args()
    if not os.path.exists(BIN):
        subprocess.run(["cargo", "build", "--release", "--locked"], cwd=ROOT, check=True)
    db = "bench_pool_" + secrets.token_hex(4)
    env = dict(os.environ, DATABASE_URL=f"{PG}/{db}", SEAM_EMULATOR_BIND="127.0.0.1:0",
               SEAM_EMULATOR_SANDBOX_API_KEY=KEY, RUST_LOG="warn")
    server = subprocess.Popen([BIN], env=env, stdout=subprocess.PIPE, text=True)
    try:
        base = None
        for line in server.stdout:
            if line.startswith("listening on "):
                base = line.split()[-1]
                break
        seed = call(base, "/_fake/default_seed", {})["devices"]
        report = [f"# Backup pool refill latency and idle cost ({datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC)", "",
                  f"Machine: {os.cpu_count()} cores; PostgreSQL on the same machine; default simulation settings "
                  "(programming latency 50 ms per pass, 4 workers).", ""]

        # 1. Refill latency.
        activation, refill = [], []
        devices = [seed["august_front_door"], seed["yale_back_door"], seed["schlage_garage"]]
        for i in range(args.rounds):
            device = devices[i % len(devices)]
            call(base, "/devices/update", {"device_id": device, "backup_access_code_pool_enabled": False})
            deadline = time.monotonic() + 10
            while ready(base, device) and time.monotonic() < deadline:
                time.sleep(0.01)
            t0 = time.monotonic()
            code = call(base, "/access_codes/create", {"device_id": device, "starts_at": iso(timedelta(hours=1)),
                                                         "ends_at": iso(timedelta(days=2)), "use_backup_access_code_pool": True})
            wait_full(base, device)
            activation.append(time.monotonic() - t0)
            t1 = time.monotonic()
            call(base, "/access_codes/pull_backup_access_code", {"access_code_id": code["access_code"]["access_code_id"]})
            wait_full(base, device)
            refill.append(time.monotonic() - t1)
        ms = lambda xs: f"p50 {statistics.median(xs) * 1000:.0f} ms, p95 {pct(xs, 95) * 1000:.0f} ms, max {max(xs) * 1000:.0f} ms"
        report += ["## Refill latency", "",
                   f"- activation to a full pool of 5 ({args.rounds} rounds): {ms(activation)}",
                   f"- pull to a full pool again ({args.rounds} rounds): {ms(refill)}", ""]

        # 2. Many pool-enabled devices.
        ws = psql(db, "SELECT workspace_id FROM workspaces WHERE is_sandbox LIMIT 1")
        august = seed["august_front_door"]
        psql(db, f"""
            INSERT INTO devices (device_id, workspace_id, seed_name, device_type, name, static_properties,
                capabilities_supported, location, supported_code_lengths, max_active_codes_supported,
                supports_backup_access_code_pool, backup_access_code_pool_enabled, created_at)
            SELECT gen_random_uuid(), workspace_id, 'scale_' || n, device_type, name || ' ' || n, static_properties,
                capabilities_supported, location, supported_code_lengths, max_active_codes_supported, true, true,
                now() + n * interval '1 microsecond'
            FROM devices, generate_series(1, {args.devices}) n WHERE device_id = '{august}';
            INSERT INTO device_jobs (device_id, run_at) SELECT device_id, now() FROM devices
                WHERE workspace_id = '{ws}' AND seed_name LIKE 'scale_%';
            NOTIFY seam_emulator_jobs;""")
        t0 = time.monotonic()
        expected = args.devices * 5
        while True:
            n = int(psql(db, "SELECT count(*) FROM access_codes ac JOIN devices d USING (device_id) "
                             "WHERE d.seed_name LIKE 'scale_%' AND ac.is_backup"))
            if n >= expected:
                break
            if time.monotonic() - t0 > 1800:
                raise RuntimeError(f"only {n} of {expected} backups after 30 min")
            time.sleep(1)
        fill = time.monotonic() - t0
        time.sleep(3)
        c0, w0 = cpu_seconds(server.pid), time.monotonic()
        time.sleep(args.idle_seconds)
        c1, w1 = cpu_seconds(server.pid), time.monotonic()
        idle_pct = 100 * (c1 - c0) / (w1 - w0)
        pending = psql(db, "SELECT count(*) FROM device_jobs WHERE run_at <= now()")
        rss = [l for l in open(f"/proc/{server.pid}/status") if l.startswith(("VmRSS", "VmHWM"))]
        report += [f"## {args.devices:,} pool-enabled devices", "",
                   f"- filling {expected:,} backups on {args.devices:,} locks: {fill:.1f} s "
                   f"({expected / fill:,.0f} backups/s, {args.devices / fill:,.0f} pools/s)",
                   f"- idle server CPU over {args.idle_seconds} s afterwards: {idle_pct:.2f} % of one core "
                   f"({(c1 - c0) * 1000:.0f} ms CPU); due jobs left: {pending}",
                   f"- memory: {', '.join(r.split(':')[0] + ' ' + r.split(':')[1].strip() for r in rss)}", ""]
        # 3. Latency with 100,000 more codes, and stable pagination.
        def timed(path, body, n=300):
            out = []
            for _ in range(n):
                t = time.monotonic()
                call(base, path, body)
                out.append(time.monotonic() - t)
            return out
        probe = call(base, "/access_codes/create", {"device_id": august, "code": "246810"})["access_code"]["access_code_id"]
        before = {"devices/get": timed("/devices/get", {"device_id": august}),
                  "access_codes/get": timed("/access_codes/get", {"access_code_id": probe})}
        psql(db, f"""
            INSERT INTO access_codes (access_code_id, workspace_id, device_id, name, code, status, is_on_lock, created_at)
            SELECT gen_random_uuid(), d.workspace_id, d.device_id, 'scale ' || n, (90000000 + n)::text, 'set', true, now()
            FROM devices d, generate_series(1, 10) n WHERE d.seed_name LIKE 'scale_%';""")
        codes = int(psql(db, "SELECT count(*) FROM access_codes"))
        after = {"devices/get": timed("/devices/get", {"device_id": august}),
                 "access_codes/get": timed("/access_codes/get", {"access_code_id": probe})}
        seen, cursor, pages = [], None, 0
        while True:
            body = {"limit": 1000}
            if cursor:
                body["page_cursor"] = cursor
            page = call(base, "/devices/list", body)
            seen += [d["device_id"] for d in page["devices"]]
            pages += 1
            if pages == 3:  # rows added mid-way must not shift the pages
                psql(db, f"INSERT INTO devices (device_id, workspace_id, seed_name, device_type, name, static_properties, "
                         f"capabilities_supported, created_at) SELECT gen_random_uuid(), workspace_id, 'late_' || n, device_type, "
                         f"name, static_properties, capabilities_supported, now() FROM devices, generate_series(1, 50) n "
                         f"WHERE device_id = '{august}'")
            if not page["pagination"]["has_next_page"]:
                break
            cursor = page["pagination"]["next_page_cursor"]
        total = int(psql(db, f"SELECT count(*) FROM devices WHERE workspace_id = '{ws}' AND is_managed"))
        lat = lambda xs: f"p50 {statistics.median(xs) * 1000:.2f} ms, p99 {pct(xs, 99) * 1000:.2f} ms"
        report += [f"## {codes:,} codes", "",
                   *[f"- `{k}` (300 sequential requests): before {lat(before[k])}; after {lat(after[k])}" for k in before],
                   f"- `devices/list` with `limit` 1000: {pages} pages, {len(seen):,} devices, {len(set(seen)):,} distinct, "
                   f"{total:,} in the workspace at the end (50 added after page 3; devices created later sort last)", ""]
        text = "\n".join(report)
        print(text)
        os.makedirs(os.path.join(ROOT, "bench", "results"), exist_ok=True)
        with open(os.path.join(ROOT, "bench", "results", "pool_idle.md"), "w") as f:
            f.write(text + "\n")
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
        subprocess.run(["psql", f"{PG}/postgres", "-qc", f"DROP DATABASE IF EXISTS {db} WITH (FORCE)"], capture_output=True)


if __name__ == "__main__":
    sys.exit(main())
