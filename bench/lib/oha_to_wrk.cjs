// Turns oha's JSON report (oha --output-format json) into the summary shape workload.lua
// writes for wrk, so report.mjs reads one format. Only used when Debian provides oha.
'use strict'
const fs = require('node:fs')
const [file] = process.argv.slice(2)
const r = JSON.parse(fs.readFileSync(file, 'utf8'))
const s = r.summary ?? {}
const p = r.latencyPercentiles ?? {}
const us = (sec) => Math.round((sec ?? 0) * 1e6)
const codes = r.statusCodeDistribution ?? {}
let requests = 0
let non2xx = 0
for (const [code, n] of Object.entries(codes)) {
  requests += n
  if (Number(code) >= 400) non2xx += n
}
const errors = Object.values(r.errorDistribution ?? {}).reduce((a, b) => a + b, 0)
const duration = s.total ?? 0
process.stdout.write(JSON.stringify({
  duration_us: us(duration),
  requests,
  bytes: s.totalData ?? 0,
  non2xx,
  connect_errors: errors,
  read_errors: 0,
  write_errors: 0,
  timeouts: 0,
  p50_us: us(p.p50),
  p90_us: us(p.p90),
  p99_us: us(p.p99),
  max_us: us(s.slowest),
  mean_us: us(s.average),
  cpu_s: null,
  connections: null,
  delay_ms: null,
  tool: 'oha'
}) + '\n')
