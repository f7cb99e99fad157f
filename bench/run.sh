#!/usr/bin/env bash
# Benchmarks seam-emulator against Seam's reference fake (@seamapi/fake-seam-connect) with the
# same HTTP workloads, and writes a Markdown report to bench/results/latest.md.
#
#   bench/run.sh
#
# One command: builds the release binary, installs the load generator (Debian's wrk) and the
# fake (npm, pinned in bench/package-lock.json) when missing, starts both servers on
# 127.0.0.1 (ours on a fresh database bench_<random>), prepares data, drives every workload
# against the fake and then against ours back to back, and stops everything and drops the
# database on exit. All traffic goes to 127.0.0.1. About 3 minutes, plus the build.
#
# Knobs (environment): BENCH_DURATION (s, default 10), BENCH_WARMUP (s, default 2),
# BENCH_CONNECTIONS (default 32), BENCH_THREADS (wrk threads, default 2),
# BENCH_RATE_CONNECTIONS (connections of the fixed-rate runs, default 64),
# BENCH_PULL_FIRST_CODES (default 1000), BENCH_PULL_IDEM_CODES (default 64),
# BENCH_LIST_CODES (default 200),
# BENCH_SKIP_BUILD=1 (use the existing target/release/seam-emulator).
# SEAM_EMULATOR_* variables in the environment reach our server unchanged, so an experiment
# such as SEAM_EMULATOR_DB_MAX_CONNECTIONS=48 bench/run.sh needs no edit.

set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH="$ROOT/bench"
cd "$ROOT"

# What the caller set, for the report (before this script exports its defaults).
CALLER_ENV=$(env | grep -E '^(BENCH|SEAM_EMULATOR)_' | grep -v SANDBOX_API_KEY | sort | tr '\n' ' ' | sed 's/ $//' || true)

DURATION=${BENCH_DURATION:-10}
WARMUP=${BENCH_WARMUP:-2}
CONNS=${BENCH_CONNECTIONS:-32}
THREADS=${BENCH_THREADS:-2}
RATE_CONNS=${BENCH_RATE_CONNECTIONS:-64}
export BENCH_THREADS=$THREADS
export BENCH_PULL_FIRST_CODES=${BENCH_PULL_FIRST_CODES:-1000}
export BENCH_LIST_CODES=${BENCH_LIST_CODES:-200}
export BENCH_PULL_IDEM_CODES=${BENCH_PULL_IDEM_CODES:-64}
PG_ADMIN=postgres://postgres@127.0.0.1:5432/postgres
DB=bench_$(head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n')
OURS_KEY=seam_bench_key
FAKE_KEY=seam_apikey1_token
FAKE_VERSION=1.86.0

RUN=$(mktemp -d /tmp/seam-bench.XXXXXX)
RESULTS="$BENCH/results"
mkdir -p "$RESULTS"
log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

FAKE_PID=
OURS_PID=
cleanup() {
  local rc=$?
  for pid in $OURS_PID $FAKE_PID; do
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
      kill -KILL "$pid" 2>/dev/null || true
    fi
  done
  psql "$PG_ADMIN" -qAtc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 ||
    log "could not drop database $DB"
  if [ "$rc" -ne 0 ]; then
    log "failed (exit $rc); server logs kept in $RUN"
  else
    rm -rf "$RUN"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- tools and build
if [ -z "${BENCH_SKIP_BUILD:-}" ]; then
  log "building the release binary"
  cargo build --release --locked
fi
BIN="$ROOT/target/release/seam-emulator"
[ -x "$BIN" ] || { log "missing $BIN"; exit 1; }

apt_lists_empty() { ! ls /var/lib/apt/lists/ 2>/dev/null | grep -q '_Packages'; }
have_candidate() { apt-cache policy "$1" 2>/dev/null | grep -q 'Candidate: [0-9]'; }
APT_UPDATED=
ensure_apt_lists() {
  if [ -z "$APT_UPDATED" ] && apt_lists_empty; then
    log "apt-get update (package lists are empty)"
    apt-get update -qq
    APT_UPDATED=1
  fi
}
# wrk drives every workload (its Lua hooks give the pull workloads a different id per
# request). oha is only used, when Debian has it, for the fixed-rate runs (-q); Debian 12
# has no oha, and then the fixed-rate runs use wrk with a per-request delay instead.
if ! command -v wrk >/dev/null; then
  ensure_apt_lists
  log "installing wrk from Debian"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
fi
if ! command -v oha >/dev/null; then
  ensure_apt_lists
  if have_candidate oha; then
    log "installing oha from Debian"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq oha >/dev/null || true
  fi
fi
for tool in node npm psql curl; do
  command -v "$tool" >/dev/null || { log "$tool is required"; exit 1; }
done

FAKE_PKG="$BENCH/node_modules/@seamapi/fake-seam-connect"
if [ "$(node -p "try{require('$FAKE_PKG/package.json').version}catch{''}" 2>/dev/null)" != "$FAKE_VERSION" ]; then
  log "installing @seamapi/fake-seam-connect@$FAKE_VERSION into bench/node_modules"
  (cd "$BENCH" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
fi

# ---------------------------------------------------------------- servers
free_port() {
  node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"
}
wait_http() { # url key what
  for _ in $(seq 150); do
    if curl -sf -o /dev/null -X POST "$1" -H "Authorization: Bearer $2" -H 'Content-Type: application/json' -d '{}'; then
      return 0
    fi
    sleep 0.2
  done
  log "$3 did not answer at $1"
  return 1
}

FAKE_PORT=$(free_port)
OURS_PORT=$(free_port)
FAKE=http://127.0.0.1:$FAKE_PORT
OURS=http://127.0.0.1:$OURS_PORT

log "starting the fake on $FAKE"
(cd "$BENCH" && PORT=$FAKE_PORT NODE_ENV=production LOG_LEVEL=warn \
  exec node --require ./lib/loopback.cjs "$FAKE_PKG/dist/server.js" --seed) >"$RUN/fake.log" 2>&1 &
FAKE_PID=$!

log "starting ours on $OURS (database $DB)"
DATABASE_URL=postgres://postgres@127.0.0.1:5432/$DB SEAM_EMULATOR_BIND=127.0.0.1:$OURS_PORT \
  SEAM_EMULATOR_SANDBOX_API_KEY=$OURS_KEY RUST_LOG=warn "$BIN" >"$RUN/ours.log" 2>&1 &
OURS_PID=$!

wait_http "$FAKE/devices/list" "$FAKE_KEY" "the fake"
wait_http "$OURS/devices/list" "$OURS_KEY" "seam-emulator"

log "preparing data (200 codes to list, pool codes to pull)"
node "$BENCH/lib/prepare.mjs" fake "$FAKE" "$FAKE_KEY" "$RUN/fake" &
prep_fake=$!
node "$BENCH/lib/prepare.mjs" ours "$OURS" "$OURS_KEY" "$RUN/ours" &
prep_ours=$!
wait $prep_fake
wait $prep_ours

# ---------------------------------------------------------------- measuring
psql_bench() { psql "postgres://postgres@127.0.0.1:5432/$DB" -qAtc "$1"; }

# CPU seconds (user+system) used so far by the server: the fake's node process; for ours the
# binary plus the Postgres backends serving its database.
cpu_ticks_of() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
backend_pids() { psql_bench "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"; }
cpu_snapshot() { # server -> "pid ticks" lines
  if [ "$1" = fake ]; then
    echo "$FAKE_PID $(cpu_ticks_of "$FAKE_PID")"
  else
    echo "$OURS_PID $(cpu_ticks_of "$OURS_PID")"
    for pid in $(backend_pids); do echo "$pid $(cpu_ticks_of "$pid")"; done
  fi
}
cpu_delta_seconds() { # before_file after_file
  awk -v hz="$(getconf CLK_TCK)" 'NR==FNR {b[$1]=$2; next} {d += $2 - ($1 in b ? b[$1] : 0)} END {printf "%.3f", d / hz}' "$1" "$2"
}

wait_worker_idle() { # ours: no due reconcile job left (the pool refills, codes programmed)
  for _ in $(seq 300); do
    [ "$(psql_bench "SELECT count(*) FROM device_jobs WHERE run_at <= now()")" = 0 ] && return 0
    sleep 0.2
  done
  log "worker still busy after 60 s; measuring anyway"
}

# run_wrk <out_name> <server> <route> <duration> <connections> [delay_ms]
# Body from $BODY, or ids from $IDS_FILE; writes $RUN/out/<out_name>.json.
mkdir -p "$RUN/out"
run_wrk() {
  local name=$1 server=$2 route=$3 duration=$4 conns=$5 delay=${6:-}
  local base key
  if [ "$server" = fake ]; then base=$FAKE key=$FAKE_KEY; else base=$OURS key=$OURS_KEY; fi
  cpu_snapshot "$server" >"$RUN/cpu.before"
  BENCH_KEY=$key BENCH_BODY=${BODY:-} BENCH_IDS_FILE=${IDS_FILE:-} BENCH_DELAY_MS=$delay \
    BENCH_OUT="$RUN/out/$name.wrk.json" \
    wrk -t"$THREADS" -c"$conns" -d"${duration}s" --timeout 10s -s "$BENCH/lib/workload.lua" \
    "$base$route" >"$RUN/out/$name.wrk.txt" 2>&1 || { cat "$RUN/out/$name.wrk.txt" >&2; return 1; }
  cpu_snapshot "$server" >"$RUN/cpu.after"
  local cpu
  cpu=$(cpu_delta_seconds "$RUN/cpu.before" "$RUN/cpu.after")
  node -e '
    const fs = require("fs");
    const [file, cpu, conns, delay] = process.argv.slice(1);
    const r = JSON.parse(fs.readFileSync(file + ".wrk.json", "utf8"));
    r.cpu_s = Number(cpu); r.connections = Number(conns); r.delay_ms = delay ? Number(delay) : null;
    fs.writeFileSync(file + ".json", JSON.stringify(r));
  ' "$RUN/out/$name" "$cpu" "$conns" "$delay"
}

# measure <workload> <server> <route>: warm-up, then the measured run.
measure() {
  local workload=$1 server=$2 route=$3
  log "$workload on $server: ${WARMUP}s warm-up + ${DURATION}s at $CONNS connections"
  run_wrk "$workload.$server.warmup" "$server" "$route" "$WARMUP" "$CONNS"
  run_wrk "$workload.$server" "$server" "$route" "$DURATION" "$CONNS"
}

body_of() { cat "$RUN/$1/$2.json"; }

# Same workloads on both servers, the fake first and ours right after it.
for workload in devices_get access_codes_get access_codes_list; do
  route=/${workload%_*}/${workload##*_}
  for server in fake ours; do
    BODY=$(body_of "$server" "$workload") IDS_FILE='' measure "$workload" "$server" "$route"
  done
done

# Ours only: pulls with the refill worker running.
wait_worker_idle
log "pull_backup (idempotent): $BENCH_PULL_IDEM_CODES codes that already have their backup"
BODY='' IDS_FILE="$RUN/ours/pull_idem_ids.txt" measure pull_idempotent ours /access_codes/pull_backup_access_code
wait_worker_idle
log "pull_backup (first pulls): $BENCH_PULL_FIRST_CODES codes without a backup yet"
BODY='' IDS_FILE="$RUN/ours/pull_idem_ids.txt" run_wrk pull_first.ours.warmup ours /access_codes/pull_backup_access_code "$WARMUP" "$CONNS"
pulled_before=$(psql_bench "SELECT count(*) FROM access_codes WHERE backup_for_access_code_id IS NOT NULL")
BODY='' IDS_FILE="$RUN/ours/pull_first_ids.txt" run_wrk pull_first.ours ours /access_codes/pull_backup_access_code "$DURATION" "$CONNS"
pulled_after=$(psql_bench "SELECT count(*) FROM access_codes WHERE backup_for_access_code_id IS NOT NULL")
echo "$((pulled_after - pulled_before))" >"$RUN/out/pull_first.ours.first_pulls"
wait_worker_idle

# Creates last: they grow the data every other workload reads.
for server in fake ours; do
  BODY=$(body_of "$server" access_codes_create) IDS_FILE='' measure access_codes_create "$server" /access_codes/create
done
wait_worker_idle

# Ours at the fake's peak rate. oha -q when Debian provides oha; otherwise wrk, where each of
# $RATE_CONNS connections waits before every request so the offered rate is the fake's: the
# warm-up run calibrates the wait for the response time.
rate_of() { node -p "const r=require('$RUN/out/$1.json'); (r.requests / r.duration_us * 1e6).toFixed(1)"; }
for workload in devices_get access_codes_get access_codes_list access_codes_create; do
  route=/${workload%_*}/${workload##*_}
  rate=$(rate_of "$workload.fake")
  BODY=$(body_of ours "$workload")
  IDS_FILE=''
  if command -v oha >/dev/null &&
     oha -z "${DURATION}s" -c "$RATE_CONNS" -q "$rate" --no-tui --output-format json -m POST \
       -H "Authorization: Bearer $OURS_KEY" -H 'Content-Type: application/json' -d "$BODY" \
       "$OURS$route" >"$RUN/out/$workload.rate.oha.json" 2>/dev/null; then
    log "$workload on ours at $rate req/s (oha -q)"
    node "$BENCH/lib/oha_to_wrk.cjs" "$RUN/out/$workload.rate.oha.json" "$rate" >"$RUN/out/$workload.rate.json"
  else
    delay=$(node -p "Math.max(1, Math.round($RATE_CONNS * 1000 / $rate))")
    run_wrk "$workload.rate.calibrate" ours "$route" "$WARMUP" "$RATE_CONNS" "$delay"
    delay=$(node -p "
      const r = require('$RUN/out/$workload.rate.calibrate.json');
      const got = r.requests / r.duration_us * 1e6;          // achieved rate at the first guess
      const busy = $RATE_CONNS * 1000 / got - $delay;        // ms of each cycle not spent waiting
      Math.max(0, Math.round($RATE_CONNS * 1000 / $rate - busy))")
    log "$workload on ours at $rate req/s (wrk, $RATE_CONNS connections, ${delay} ms between requests)"
    run_wrk "$workload.rate" ours "$route" "$DURATION" "$RATE_CONNS" "$delay"
  fi
  node -e "const f='$RUN/out/$workload.rate.json',fs=require('fs'),r=JSON.parse(fs.readFileSync(f));r.target_rate=$rate;fs.writeFileSync(f,JSON.stringify(r))"
done

# ---------------------------------------------------------------- memory and report
status_kb() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
pss_kb() { awk '$1 == "Pss:" {print $2}' "/proc/$1/smaps_rollup" 2>/dev/null || echo 0; }
backends_pss=0
for pid in $(backend_pids); do backends_pss=$((backends_pss + $(pss_kb "$pid"))); done
cat >"$RUN/out/memory.json" <<EOF
{"fake": {"hwm_kb": $(status_kb "$FAKE_PID" VmHWM), "rss_kb": $(status_kb "$FAKE_PID" VmRSS)},
 "ours": {"hwm_kb": $(status_kb "$OURS_PID" VmHWM), "rss_kb": $(status_kb "$OURS_PID" VmRSS)},
 "ours_pg_backends_pss_kb": $backends_pss}
EOF

cat >"$RUN/out/meta.json" <<EOF
{"date": "$(date -u +%Y-%m-%dT%H:%M:%SZ)",
 "command": "bench/run.sh",
 "env": "$CALLER_ENV",
 "duration_s": $DURATION, "warmup_s": $WARMUP, "connections": $CONNS, "threads": $THREADS,
 "rate_connections": $RATE_CONNS,
 "nproc": $(nproc), "mem_total_kb": $(awk '/MemTotal/ {print $2}' /proc/meminfo),
 "load_before": "$(cut -d' ' -f1-3 /proc/loadavg)",
 "cpu": "$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)",
 "commit": "$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)",
 "dirty_files": $(git -C "$ROOT" status --porcelain -- src migrations Cargo.toml Cargo.lock 2>/dev/null | wc -l),
 "postgres": "$(psql "$PG_ADMIN" -qAtc 'SHOW server_version' 2>/dev/null)",
 "wrk": "$(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2)",
 "fake_version": "$FAKE_VERSION",
 "pull_first_codes": $BENCH_PULL_FIRST_CODES, "pull_idem_codes": $BENCH_PULL_IDEM_CODES,
 "list_codes": $BENCH_LIST_CODES}
EOF

node "$BENCH/lib/report.mjs" "$RUN/out" >"$RESULTS/latest.md"
rm -rf "$RESULTS/raw-latest"
mkdir -p "$RESULTS/raw-latest"
cp "$RUN"/out/*.json "$RUN"/out/*.first_pulls "$RESULTS/raw-latest/" 2>/dev/null || true
cat "$RESULTS/latest.md"
log "report written to bench/results/latest.md"
