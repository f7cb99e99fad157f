// Reads the summaries bench/run.sh collected and prints the Markdown report.
//   node report.mjs <out_dir>

import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

const dir = process.argv[2]
const load = (name) => {
  const f = join(dir, name)
  return existsSync(f) ? JSON.parse(readFileSync(f, 'utf8')) : null
}
const meta = load('meta.json')
const mem = load('memory.json')

const rate = (r) => r.requests / r.duration_us * 1e6
const ms = (us) => (us / 1000).toFixed(2)
const n0 = (x) => Math.round(x).toLocaleString('en-US')
const ratio = (a, b) => (b > 0 ? `${(a / b).toFixed(2)}x` : 'n/a')
const cpuPerReq = (r) => (r.cpu_s == null || !r.requests ? 'n/a' : (r.cpu_s * 1000 / r.requests).toFixed(3))
const errs = (r) => {
  const other = r.connect_errors + r.read_errors + r.write_errors + r.timeouts
  return other ? `${n0(r.non2xx)} (+${other} socket)` : n0(r.non2xx)
}

const lines = []
const out = (s = '') => lines.push(s)

out(`# seam-emulator vs @seamapi/fake-seam-connect@${meta.fake_version}`)
out()
out(`- date: ${meta.date}; command: \`${meta.env ? meta.env + ' ' : ''}${meta.command}\``)
out(`- build: commit ${meta.commit}${meta.dirty_files ? ` plus ${meta.dirty_files} uncommitted file(s) under src/, migrations/ or Cargo.*` : ''}`)
out(`- machine: ${meta.nproc} cores (${meta.cpu}), ${(meta.mem_total_kb / 1048576).toFixed(1)} GiB; PostgreSQL ${meta.postgres} on the same machine; load average before the run ${meta.load_before}`)
out(`- load: ${meta.wrk}, ${meta.threads} threads, ${meta.connections} connections, ${meta.warmup_s} s warm-up then ${meta.duration_s} s measured per workload and server; the fake, then ours right after it`)
out('- CPU ms/req: CPU time the server used during the measured run divided by its requests (ours: the binary plus the Postgres backends serving its database)')
out()

const WORKLOADS = [
  ['devices_get', 'POST /devices/get {device_id}'],
  ['access_codes_get', 'POST /access_codes/get {access_code_id}'],
  ['access_codes_list', `POST /access_codes/list {device_id} (${meta.list_codes} codes)`],
  ['access_codes_create', 'POST /access_codes/create {device_id, name} (server-generated code)']
]

out('## Same workload, both servers (closed loop)')
out()
out('| workload | fake req/s | ours req/s | ours/fake | fake p50 ms | ours p50 ms | fake p99 ms | ours p99 ms | non-2xx fake / ours | CPU ms/req fake / ours |')
out('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|')
const ratios = {}
for (const [w, label] of WORKLOADS) {
  const f = load(`${w}.fake.json`)
  const o = load(`${w}.ours.json`)
  if (!f || !o) continue
  ratios[w] = rate(o) / rate(f)
  out(`| ${label} | ${n0(rate(f))} | ${n0(rate(o))} | **${ratio(rate(o), rate(f))}** | ${ms(f.p50_us)} | ${ms(o.p50_us)} | ${ms(f.p99_us)} | ${ms(o.p99_us)} | ${errs(f)} / ${errs(o)} | ${cpuPerReq(f)} / ${cpuPerReq(o)} |`)
}
out()

out('## Backup pulls, ours only (closed loop, refill worker running)')
out()
out('| workload | req/s | p50 ms | p99 ms | non-2xx | CPU ms/req | first pulls |')
out('|---|---:|---:|---:|---:|---:|---:|')
const idem = load('pull_idempotent.ours.json')
if (idem) {
  out(`| pull_backup_access_code, ${meta.pull_idem_codes} codes that already have a backup (idempotent path) | ${n0(rate(idem))} | ${ms(idem.p50_us)} | ${ms(idem.p99_us)} | ${errs(idem)} | ${cpuPerReq(idem)} | 0 |`)
}
const first = load('pull_first.ours.json')
if (first) {
  const f = join(dir, 'pull_first.ours.first_pulls')
  const pulled = existsSync(f) ? Number(readFileSync(f, 'utf8')) : NaN
  const perSec = pulled / (first.duration_us / 1e6)
  out(`| pull_backup_access_code, ${meta.pull_first_codes} codes without a backup (first pulls; 400 no_backup_access_code_available while the pool refills) | ${n0(rate(first))} | ${ms(first.p50_us)} | ${ms(first.p99_us)} | ${errs(first)} | ${cpuPerReq(first)} | ${n0(pulled)} (${perSec.toFixed(1)}/s) |`)
}
out()

out(`## Ours at the fake's peak rate (open loop approximated: ${meta.rate_connections} connections)`)
out()
out('| workload | target req/s (the fake\'s peak) | achieved req/s | rate held | p50 ms | p99 ms | max ms | non-2xx | p99 < 10 ms |')
out('|---|---:|---:|:---:|---:|---:|---:|---:|:---:|')
const rateP99 = {}
let tool = 'wrk'
for (const [w, label] of WORKLOADS) {
  const r = load(`${w}.rate.json`)
  if (!r) continue
  if (r.tool === 'oha') tool = 'oha'
  rateP99[w] = r.p99_us
  const held = rate(r) >= 0.95 * r.target_rate ? 'yes' : 'no (saturated)'
  out(`| ${label} | ${n0(r.target_rate)} | ${n0(rate(r))} | ${held} | ${ms(r.p50_us)} | ${ms(r.p99_us)} | ${ms(r.max_us)} | ${errs(r)} | ${r.p99_us < 10000 ? 'yes' : 'no'} |`)
}
out()
out(tool === 'oha'
  ? 'Fixed rate by `oha -q`.'
  : 'Debian 12 has no oha and wrk has no fixed-rate mode (wrk2 is not in Debian): each connection waits a calibrated delay before every request (wrk Lua `delay()`), so the offered rate is close to the target. Latency is measured per request from send to answer; a stalled server would send fewer requests rather than queue them (no coordinated-omission correction).')
out()

out('## Memory (peak resident set, VmHWM at the end of the run)')
out()
out('| process | peak RSS MiB | RSS at end MiB |')
out('|---|---:|---:|')
const mib = (kb) => (kb / 1024).toFixed(1)
out(`| fake (node) | ${mib(mem.fake.hwm_kb)} | ${mib(mem.fake.rss_kb)} |`)
out(`| ours (seam-emulator) | ${mib(mem.ours.hwm_kb)} | ${mib(mem.ours.rss_kb)} |`)
out(`| ours' Postgres backends (PSS sum, at end) | n/a | ${mib(mem.ours_pg_backends_pss_kb)} |`)
out()
out(`ours/fake peak RSS: **${ratio(mem.ours.hwm_kb, mem.fake.hwm_kb)}** (ours plus its Postgres backends: ${ratio(mem.ours.hwm_kb + mem.ours_pg_backends_pss_kb, mem.fake.hwm_kb)}). The fake keeps everything in memory; ours keeps its data in Postgres.`)
out()

out('## Against the targets')
out()
out('| target | measured | met |')
out('|---|---|:---:|')
for (const w of ['devices_get', 'access_codes_get', 'access_codes_list']) {
  if (ratios[w] != null) out(`| ${w}: at least 3x the fake's throughput | ${ratios[w].toFixed(2)}x | ${ratios[w] >= 3 ? 'yes' : 'no'} |`)
}
if (ratios.access_codes_create != null) {
  out(`| access_codes_create: at least 2x the fake's throughput | ${ratios.access_codes_create.toFixed(2)}x | ${ratios.access_codes_create >= 2 ? 'yes' : 'no'} |`)
}
for (const [w] of WORKLOADS) {
  if (rateP99[w] != null) out(`| ${w}: p99 under 10 ms at the fake's peak rate | ${ms(rateP99[w])} ms | ${rateP99[w] < 10000 ? 'yes' : 'no'} |`)
}
out(`| memory well under the fake's | ${ratio(mem.ours.hwm_kb, mem.fake.hwm_kb)} of the fake's peak RSS | ${mem.ours.hwm_kb < 0.5 * mem.fake.hwm_kb ? 'yes' : 'no'} |`)
out()
process.stdout.write(lines.join('\n'))
