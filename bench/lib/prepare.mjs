// Prepares the data the benchmark workloads read, on one server, and writes the request
// bodies (and id lists) that bench/run.sh hands to wrk.
//
//   node prepare.mjs fake <base_url> <api_key> <out_dir>
//   node prepare.mjs ours <base_url> <api_key> <out_dir>
//
// Only ever talks to the given base URL (bench/run.sh passes a 127.0.0.1 address).

import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

const [kind, base, key, outDir] = process.argv.slice(2)
if (!['fake', 'ours'].includes(kind) || !base || !key || !outDir) {
  console.error('usage: node prepare.mjs fake|ours <base_url> <api_key> <out_dir>')
  process.exit(2)
}
if (!/^http:\/\/127\.0\.0\.1:\d+$/.test(base)) {
  console.error(`refusing to talk to ${base}: the benchmark only targets 127.0.0.1`)
  process.exit(2)
}

const LIST_CODES = Number(process.env.BENCH_LIST_CODES ?? 200)
const PULL_FIRST_CODES = Number(process.env.BENCH_PULL_FIRST_CODES ?? 1000)
const PULL_IDEM_CODES = Number(process.env.BENCH_PULL_IDEM_CODES ?? 64)
const CONCURRENCY = 8

async function call (path, body, { allow = [] } = {}) {
  const res = await fetch(base + path, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body ?? {})
  })
  const text = await res.text()
  let json
  try { json = JSON.parse(text) } catch { json = { raw: text } }
  if (!res.ok && !allow.includes(json?.error?.type)) {
    throw new Error(`${path} ${JSON.stringify(body)} -> ${res.status} ${text.slice(0, 300)}`)
  }
  return { status: res.status, json }
}

/** Runs `count` calls of `fn(i)` with a few in flight at a time; returns results in order. */
async function many (count, fn) {
  const out = new Array(count)
  let next = 0
  const lanes = Array.from({ length: Math.min(CONCURRENCY, count) }, async () => {
    while (next < count) {
      const i = next++
      out[i] = await fn(i)
    }
  })
  await Promise.all(lanes)
  return out
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

function write (name, value) {
  writeFileSync(join(outDir, name), typeof value === 'string' ? value : JSON.stringify(value))
}

async function prepareFake () {
  // The seeded device must be there (fake-seam-connect --seed).
  const { json } = await call('/devices/list', {})
  const ids = json.devices.map((d) => d.device_id)
  for (const id of ['august_device_1', 'august_device_2']) {
    if (!ids.includes(id)) throw new Error(`seeded device ${id} missing; devices: ${ids.join(', ')}`)
  }
  const listDevice = 'august_device_1'
  const codes = await many(LIST_CODES, (i) =>
    call('/access_codes/create', { device_id: listDevice, name: `bench list ${i}` }))
  const codeId = codes[0].json.access_code.access_code_id
  const listed = await call('/access_codes/list', { device_id: listDevice })
  if (listed.json.access_codes.length !== LIST_CODES) {
    throw new Error(`expected ${LIST_CODES} codes on ${listDevice}, list says ${listed.json.access_codes.length}`)
  }
  return {
    devices_get: { device_id: 'august_device_1' },
    access_codes_get: { access_code_id: codeId },
    access_codes_list: { device_id: listDevice },
    access_codes_create: { device_id: 'august_device_2', name: 'bench create' }
  }
}

async function waitFor (what, check, timeoutMs = 60_000) {
  const start = Date.now()
  for (;;) {
    if (await check()) return
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`)
    await sleep(200)
  }
}

async function prepareOurs () {
  const seed = (await call('/_fake/default_seed', {})).json.devices
  const getDevice = seed.august_front_door
  const listDevice = seed.schlage_garage
  const poolDevice = seed.yale_back_door
  // Lockly: 6-digit generated codes (a million values), so tens of thousands of creates
  // never run out of free codes.
  const createDevice = seed.lockly_side_door
  // Room on the virtual locks for everything the run creates, so the worker programs every
  // code instead of retrying full locks in the background.
  await call('/_fake/devices/set_slot_count', { device_id: listDevice, max_active_codes_supported: LIST_CODES + 100 })
  await call('/_fake/devices/set_slot_count', {
    device_id: poolDevice,
    max_active_codes_supported: 2 * (PULL_FIRST_CODES + PULL_IDEM_CODES) + 100
  })
  await call('/_fake/devices/set_slot_count', { device_id: createDevice, max_active_codes_supported: 10_000 })

  const listCodes = await many(LIST_CODES, (i) =>
    call('/access_codes/create', { device_id: listDevice, name: `bench list ${i}` }))
  const codeId = listCodes[0].json.access_code.access_code_id

  // Time-bound codes on a pool device: the window starts tomorrow, so they stay scheduled.
  const day = 24 * 3600 * 1000
  const startsAt = new Date(Date.now() + day).toISOString()
  const endsAt = new Date(Date.now() + 30 * day).toISOString()
  const total = PULL_IDEM_CODES + PULL_FIRST_CODES
  const poolCodes = await many(total, (i) =>
    call('/access_codes/create', {
      device_id: poolDevice,
      name: `bench pull ${i}`,
      starts_at: startsAt,
      ends_at: endsAt,
      use_backup_access_code_pool: true
    }))
  const poolIds = poolCodes.map((r) => r.json.access_code.access_code_id)
  const idemIds = poolIds.slice(0, PULL_IDEM_CODES)
  const firstIds = poolIds.slice(PULL_IDEM_CODES)

  // Let the worker program everything and fill the pool.
  for (const device of [listDevice, poolDevice]) {
    await waitFor(`codes programmed on ${device}`, async () => {
      const { json } = await call('/access_codes/list', { device_id: device })
      return json.access_codes.every((c) => c.status === 'set' || c.status === 'unset')
    })
  }
  await waitFor('backup pool ready', async () =>
    (await call('/access_codes/get', { access_code_id: idemIds[0] })).json.access_code.is_backup_access_code_available)

  // The idempotent-pull set: each of these already has its backup.
  for (const id of idemIds) {
    for (;;) {
      const r = await call('/access_codes/pull_backup_access_code', { access_code_id: id },
        { allow: ['no_backup_access_code_available'] })
      if (r.status === 200) break
      await sleep(50)
    }
  }
  await waitFor('backup pool refilled', async () =>
    (await call('/access_codes/get', { access_code_id: firstIds[0] })).json.access_code.is_backup_access_code_available)

  write('pull_idem_ids.txt', idemIds.join('\n') + '\n')
  write('pull_first_ids.txt', firstIds.join('\n') + '\n')
  return {
    devices_get: { device_id: getDevice },
    access_codes_get: { access_code_id: codeId },
    access_codes_list: { device_id: listDevice },
    access_codes_create: { device_id: createDevice, name: 'bench create' },
    pool_device_id: poolDevice
  }
}

mkdirSync(outDir, { recursive: true })
const started = Date.now()
const bodies = kind === 'fake' ? await prepareFake() : await prepareOurs()
for (const [name, body] of Object.entries(bodies)) {
  if (typeof body === 'object') write(`${name}.json`, body)
}
console.error(`prepared ${kind} in ${((Date.now() - started) / 1000).toFixed(1)} s`)
