// Schema conformance: real responses of seam-emulator, validated against the component
// schemas of Seam's published OpenAPI document (npm `@seamapi/types` 1.977.0,
// `import { openapi } from '@seamapi/types/connect'`), with ajv.
//
// Run by tests/sdk/test_js_sdk.py (Node 20, in parallel with sdk.test.mjs), which sets
// SEAM_ENDPOINT, SEAM_API_KEY and SEAM_SEED_JSON.
//
// The document is OpenAPI 3.0, whose schema dialect is not JSON Schema: `nullable: true`,
// boolean `exclusiveMinimum`, `discriminator`, `x-*` extensions. toJsonSchema() below
// converts it faithfully (nullable -> a `null` type or an `anyOf` with null; boolean
// exclusive bounds -> numeric ones; `x-*` dropped) and ajv runs with `discriminator: true`,
// so a oneOf keyed by `event_type` / `error_code` / `warning_code` reports the errors of the
// matching variant only. Nothing is relaxed: no `required` is dropped and no type widened.
// Seam's schemas never say `additionalProperties: false`, so keys we send that Seam does not
// document cannot fail validation; they are listed as a diagnostic ("undocumented keys").
//
// Every mismatch fails its test unless it is in KNOWN_SERVER_MISMATCHES (server bugs
// reported for fixing, one reason each); each one tolerated is printed as a diagnostic. A
// known entry that no longer occurs fails too (like a strict xfail): remove it once fixed.
// A self-test tampers with real samples to prove the validator is not vacuous.
//
// Samples: workspaces/get; devices/get of every seeded device (and yale_back_door while
// failing and while disconnected), devices/list items; pagination of devices/list and
// access_codes/list; access_code from create, get, list, action_attempts/get's result,
// pull_backup_access_code (both keys) and the pulled backup by get; action_attempt from
// create (pending), action_attempts/get (success and error) and action_attempts/list; every
// event of the workspace so far (events/list, the earlier suites' included) and events/get.
//
// Device use: yale_back_door only (pool, a pulled backup, a code that fails to program
// through /_fake/devices/fail_next_attempts, reset to 0 after, then a short disconnect).
// sdk.test.mjs runs at the same time on august_front_door and schlage_garage; the Python
// suite's use of yale_back_door runs in a later pytest test, never at the same time.

import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { after, before, describe, test } from 'node:test'

import { openapi } from '@seamapi/types/connect'
import Ajv from 'ajv'
import addFormats from 'ajv-formats'

import { apiKey, devices, emulatorCall, endpoint, poller } from '../harness.mjs'

const DEVICE = devices.yale_back_door

const TYPES_VERSION = JSON.parse(
  readFileSync(new URL('./node_modules/@seamapi/types/package.json', import.meta.url), 'utf8'),
).version
const POLL_TIMEOUT_MS = 10_000
const TEST_TIMEOUT_MS = 60_000

// ------------------------------------------------------------------ known server mismatches
//
// Each entry: the component schema, a pattern over `<label> <instancePath>` (label names the
// response, e.g. `events/list[3] event[device.disconnected]`), the ajv keyword, and why it is a
// server bug. Only mismatches listed here are tolerated.
const KNOWN_SERVER_MISMATCHES = []

// ------------------------------------------------------------------ helpers

const inMs = (ms) => new Date(Date.now() + ms).toISOString()

/** POST a JSON body to a route; the parsed JSON answer, which must be 200 with ok: true. */
async function call(route, body = {}) {
  const json = await emulatorCall(route, body)
  assert.equal(json.ok, true, `POST ${route}: ok is not true: ${JSON.stringify(json)}`)
  return json
}

const poll = poller(POLL_TIMEOUT_MS)

// ------------------------------------------------------------------ OpenAPI 3.0 -> JSON Schema

/** A JSON Schema (draft-07, as ajv reads it) equivalent of an OpenAPI 3.0 schema object. */
function toJsonSchema(node) {
  if (Array.isArray(node)) return node.map(toJsonSchema)
  if (node === null || typeof node !== 'object') return node
  const out = {}
  for (const [key, value] of Object.entries(node)) {
    if (key.startsWith('x-') || key === 'nullable' || key === 'example') continue
    out[key] =
      key === 'properties'
        ? Object.fromEntries(Object.entries(value).map(([p, s]) => [p, toJsonSchema(s)]))
        : toJsonSchema(value)
  }
  // OpenAPI 3.0: `exclusiveMinimum: true` qualifies `minimum`; JSON Schema wants the number.
  for (const [ex, bound] of [
    ['exclusiveMinimum', 'minimum'],
    ['exclusiveMaximum', 'maximum'],
  ]) {
    if (typeof node[ex] === 'boolean') {
      if (node[ex] && bound in out) {
        out[ex] = out[bound]
        delete out[bound]
      } else {
        delete out[ex]
      }
    }
  }
  if (node.nullable === true) {
    if (typeof out.type === 'string') {
      out.type = [out.type, 'null']
      if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null]
    } else if (out.oneOf || out.anyOf || out.allOf || out.enum || out.properties) {
      const { description, ...rest } = out
      return { ...(description ? { description } : {}), anyOf: [rest, { type: 'null' }] }
    }
    // `{nullable: true}` alone constrains nothing: any value, null included.
  }
  return out
}

assert.match(openapi.openapi, /^3\.0\./, 'the conversion below is written for OpenAPI 3.0.x')
const SCHEMAS = toJsonSchema(openapi.components.schemas)

const ajv = new Ajv({ strict: false, allErrors: true, discriminator: true, verbose: true })
addFormats(ajv)
// OpenAPI's numeric formats: annotations, not checks.
for (const f of ['float', 'double', 'int32', 'int64']) ajv.addFormat(f, true)
ajv.addSchema({ $id: 'seam', components: { schemas: SCHEMAS } })

const validators = new Map()
function validatorFor(pointer) {
  let v = validators.get(pointer)
  if (v == null) {
    v = ajv.getSchema(`seam#/components/schemas/${pointer}`)
    assert.ok(v, `no schema at components/schemas/${pointer}`)
    validators.set(pointer, v)
  }
  return v
}

/** The schema path (under components/schemas) a value is checked against. */
function schemaPointerFor(object, value) {
  if (object !== 'action_attempt') return object
  // action_attempt is a oneOf over (action_type, status) without a discriminator: pick the
  // variant by both, so a mismatch names the fields of that variant only.
  const variants = SCHEMAS.action_attempt.oneOf
  const i = variants.findIndex(
    (v) =>
      v.properties?.action_type?.enum?.includes(value?.action_type) &&
      v.properties?.status?.enum?.includes(value?.status),
  )
  return i >= 0 ? `action_attempt/oneOf/${i}` : 'action_attempt'
}

// ------------------------------------------------------------------ undocumented keys

function documentedBranches(schema) {
  if (schema == null || typeof schema !== 'object') return []
  const branches = [schema]
  for (const k of ['allOf', 'anyOf', 'oneOf']) {
    for (const s of schema[k] ?? []) branches.push(...documentedBranches(s))
  }
  return branches
}

/** Keys of `value` (recursively) that the schema does not name; `[]` when all are named. */
function undocumentedKeys(schema, value, path = '') {
  const found = []
  if (Array.isArray(value)) {
    const items = documentedBranches(schema)
      .map((b) => b.items)
      .filter(Boolean)
    value.forEach((v, i) => {
      for (const it of items.slice(0, 1)) found.push(...undocumentedKeys(it, v, `${path}/${i}`))
    })
    return found
  }
  if (value === null || typeof value !== 'object') return found
  let branches = documentedBranches(schema)
  // Narrow a discriminated oneOf to the variant the value names.
  const tag = schema?.discriminator?.propertyName
  if (tag && schema.oneOf) {
    const match = schema.oneOf.filter((b) =>
      documentedBranches(b).some((x) => x.properties?.[tag]?.enum?.includes(value[tag])),
    )
    if (match.length > 0) branches = [schema, ...match.flatMap(documentedBranches)]
  }
  const withProps = branches.filter((b) => b.properties)
  if (withProps.length === 0 || branches.some((b) => b.additionalProperties)) return found
  for (const [key, v] of Object.entries(value)) {
    const subs = withProps.map((b) => b.properties[key]).filter(Boolean)
    if (subs.length === 0) {
      found.push(`${path}/${key}`)
    } else {
      found.push(...undocumentedKeys(subs[0], v, `${path}/${key}`))
    }
  }
  return found
}

// ------------------------------------------------------------------ checking samples

/** Responses collected by the flow in before(): {object, label, value}. */
const samples = []
function sample(object, label, value) {
  assert.ok(value != null, `${label}: missing`)
  samples.push({ object, label, value })
}

function valueAt(root, pointer) {
  let v = root
  for (const part of pointer.split('/').slice(1)) {
    if (v == null) return undefined
    v = v[part.replace(/~1/g, '/').replace(/~0/g, '~')]
  }
  return v
}

const short = (v) => {
  const text = v === undefined ? '(absent)' : JSON.stringify(v)
  return text.length > 160 ? `${text.slice(0, 157)}...` : text
}

/** The JSON pointer a mismatch is about (for `required`, the missing key's). */
const locate = (e) =>
  e.keyword === 'required' ? `${e.instancePath}/${e.params.missingProperty}` : e.instancePath

/** One line: where (response and JSON pointer), the rule broken, and our value there. */
function describeError(label, pointer, value, e) {
  const at = locate(e)
  let rule = e.message
  if (e.keyword === 'required') {
    rule = 'is required'
  } else if (e.keyword === 'enum') {
    rule = `must be one of ${JSON.stringify(e.params.allowedValues)}`
  } else if (e.keyword === 'type') {
    rule = `must be of type ${e.params.type}`
  } else if (e.keyword === 'discriminator') {
    rule = `${e.message} (${JSON.stringify(e.params)})`
  }
  return `${label} ${at}: ${rule} [schema ${pointer}${e.schemaPath.slice(1)}]; ours: ${short(valueAt(value, at))}`
}

function isKnown(object, label, e) {
  const where = `${label} ${locate(e)}`
  return KNOWN_SERVER_MISMATCHES.find(
    (k) =>
      k.object === object && k.where.test(where) && (k.keyword == null || k.keyword === e.keyword),
  )
}

const seenKnown = new Set()

/** Validates every sample of one component; fails with every unknown mismatch. */
function checkObject(t, object) {
  const mine = samples.filter((s) => s.object === object)
  assert.ok(mine.length > 0, `no ${object} sample was collected`)
  const unknown = []
  const undocumented = new Set()
  for (const { label, value } of mine) {
    const pointer = schemaPointerFor(object, value)
    if (object === 'action_attempt' && pointer === 'action_attempt') {
      unknown.push(
        `${label}: no published action_attempt variant for action_type=${value?.action_type} status=${value?.status}`,
      )
      continue
    }
    const validate = validatorFor(pointer)
    if (!validate(value)) {
      for (const e of validate.errors) {
        const line = describeError(label, pointer, value, e)
        const known = isKnown(object, label, e)
        if (known) {
          seenKnown.add(known)
          t.diagnostic(`known server mismatch (${known.reason}): ${line}`)
        } else {
          unknown.push(line)
        }
      }
    }
    for (const k of undocumentedKeys(SCHEMAS[object], value)) {
      undocumented.add(k.replace(/\/\d+(?=\/|$)/g, '/*'))
    }
  }
  if (undocumented.size > 0) {
    t.diagnostic(
      `${object}: undocumented keys we send (allowed, not in Seam's schema): ${[...undocumented].sort().join(', ')}`,
    )
  }
  const kinds = [
    ...new Set(
      mine
        .map(
          ({ value }) =>
            value.event_type ?? (value.action_type ? `${value.action_type}/${value.status}` : null),
        )
        .filter(Boolean),
    ),
  ]
  t.diagnostic(
    `${object}: ${mine.length} responses checked against @seamapi/types@${TYPES_VERSION}` +
      (kinds.length ? ` (${kinds.sort().join(', ')})` : ''),
  )
  if (unknown.length > 0) {
    assert.fail(
      `${unknown.length} mismatches of ${object} responses with Seam's published schema:\n  ${unknown.join('\n  ')}`,
    )
  }
}

// ------------------------------------------------------------------ the flow

const created = []

async function deleteQuietly(ids) {
  for (const access_code_id of ids) {
    await fetch(`${endpoint}/access_codes/delete`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ access_code_id }),
    }).catch(() => {})
  }
}

before(
  async () => {
    // Workspace.
    sample('workspace', 'workspaces/get', (await call('/workspaces/get')).workspace)

    // Devices and pagination.
    for (const [name, id] of Object.entries(devices)) {
      sample(
        'device',
        `devices/get ${name}`,
        (await call('/devices/get', { device_id: id })).device,
      )
    }
    const page = await call('/devices/list', { limit: 2 })
    sample('pagination', 'devices/list limit=2 pagination', page.pagination)
    page.devices.forEach((d, i) => sample('device', `devices/list[${i}]`, d))
    const next = await call('/devices/list', {
      limit: 2,
      page_cursor: page.pagination.next_page_cursor,
    })
    sample('pagination', 'devices/list page 2 pagination', next.pagination)

    // A time-bound code that turns the pool on.
    const primer = await call('/access_codes/create', {
      device_id: DEVICE,
      name: 'sdk-schema primer',
      starts_at: inMs(60_000),
      ends_at: inMs(2 * 24 * 3600_000),
      use_backup_access_code_pool: true,
    })
    created.push(primer.access_code.access_code_id)
    sample('access_code', 'access_codes/create access_code', primer.access_code)
    sample(
      'action_attempt',
      `access_codes/create action_attempt[${primer.action_attempt.status}]`,
      primer.action_attempt,
    )
    const success = await poll(
      async () =>
        (
          await call('/action_attempts/get', {
            action_attempt_id: primer.action_attempt.action_attempt_id,
          })
        ).action_attempt,
      (a) => a.status !== 'pending',
      'the primer CREATE_ACCESS_CODE to finish',
    )
    assert.equal(success.status, 'success', JSON.stringify(success))
    sample('action_attempt', 'action_attempts/get CREATE_ACCESS_CODE success', success)
    if (success.result?.access_code) {
      sample('access_code', 'action_attempts/get result.access_code', success.result.access_code)
    }
    const ready = await poll(
      async () =>
        (await call('/access_codes/get', { access_code_id: primer.access_code.access_code_id }))
          .access_code,
      (ac) => ac.is_backup_access_code_available === true,
      'a backup to be ready for the primer',
    )
    sample('access_code', 'access_codes/get (pool code)', ready)

    // A code the lock cannot program: the CREATE attempt ends in error.
    await call('/_fake/devices/fail_next_attempts', { device_id: DEVICE, count: 10_000 })
    try {
      const failing = await call('/access_codes/create', {
        device_id: DEVICE,
        name: 'sdk-schema fails to program',
        starts_at: inMs(60_000),
        ends_at: inMs(3 * 24 * 3600_000),
        use_backup_access_code_pool: true,
      })
      created.push(failing.access_code.access_code_id)
      const failed = await poll(
        async () =>
          (await call('/access_codes/get', { access_code_id: failing.access_code.access_code_id }))
            .access_code,
        (ac) => ac.errors.some((e) => e.error_code === 'failed_to_set_on_device'),
        'failed_to_set_on_device on the failing code',
      )
      sample('access_code', 'access_codes/get (failed_to_set_on_device)', failed)
      const errored = await poll(
        async () =>
          (
            await call('/action_attempts/get', {
              action_attempt_id: failing.action_attempt.action_attempt_id,
            })
          ).action_attempt,
        (a) => a.status !== 'pending',
        'the failing CREATE_ACCESS_CODE to finish',
      )
      assert.equal(errored.status, 'error', JSON.stringify(errored))
      sample('action_attempt', 'action_attempts/get CREATE_ACCESS_CODE error', errored)
      sample(
        'device',
        'devices/get yale_back_door while failing',
        (await call('/devices/get', { device_id: DEVICE })).device,
      )

      // The backup for the failing code, under both keys, and by id.
      const pulled = await call('/access_codes/pull_backup_access_code', {
        access_code_id: failing.access_code.access_code_id,
      })
      sample('access_code', 'pull_backup_access_code access_code', pulled.access_code)
      sample('access_code', 'pull_backup_access_code backup_access_code', pulled.backup_access_code)
      const backup = await call('/access_codes/get', {
        access_code_id: pulled.access_code.access_code_id,
      })
      sample('access_code', 'access_codes/get (pulled backup)', backup.access_code)
      const original = await call('/access_codes/get', {
        access_code_id: failing.access_code.access_code_id,
      })
      sample('access_code', 'access_codes/get (original using its backup)', original.access_code)

      const listed = await call('/access_codes/list', { device_id: DEVICE })
      listed.access_codes.forEach((ac, i) => sample('access_code', `access_codes/list[${i}]`, ac))
      if (listed.pagination != null)
        sample('pagination', 'access_codes/list pagination', listed.pagination)
      const one = await call('/access_codes/list', { device_id: DEVICE, limit: 1 })
      sample('pagination', 'access_codes/list limit=1 pagination', one.pagination)
      const attempts = await call('/action_attempts/list', {
        action_attempt_ids: [
          primer.action_attempt.action_attempt_id,
          failing.action_attempt.action_attempt_id,
        ],
      })
      attempts.action_attempts.forEach((a, i) =>
        sample('action_attempt', `action_attempts/list[${i}] ${a.action_type} ${a.status}`, a),
      )
    } finally {
      await call('/_fake/devices/fail_next_attempts', { device_id: DEVICE, count: 0 })
    }

    // A disconnected lock: device errors, and device.disconnected / device.connected events.
    await call('/devices/simulate/disconnect', { device_id: DEVICE })
    try {
      const offline = await poll(
        async () => (await call('/devices/get', { device_id: DEVICE })).device,
        (d) => d.errors.some((e) => e.error_code === 'device_disconnected'),
        'device_disconnected on yale_back_door',
      )
      sample('device', 'devices/get yale_back_door disconnected', offline)
    } finally {
      await call('/devices/simulate/connect', { device_id: DEVICE })
    }

    // Every event of the workspace so far (the earlier suites' included), and one by id.
    const { events } = await call('/events/list', {
      since: '2000-01-01T00:00:00.000Z',
      limit: 10_000,
    })
    const types = new Set(events.map((e) => e.event_type))
    for (const type of [
      'access_code.created',
      'access_code.failed_to_set_on_device',
      'access_code.backup_access_code_pulled',
      'device.disconnected',
      'device.connected',
    ]) {
      assert.ok(types.has(type), `no ${type} event among ${[...types].join(', ')}`)
    }
    events.forEach((e, i) => sample('event', `events/list[${i}] event[${e.event_type}]`, e))
    const got = await call('/events/get', { event_id: events[0].event_id })
    sample('event', `events/get event[${got.event.event_type}]`, got.event)
  },
  { timeout: TEST_TIMEOUT_MS },
)

after(async () => {
  await deleteQuietly(created)
})

describe("responses match Seam's published OpenAPI schemas", { timeout: TEST_TIMEOUT_MS }, () => {
  test('the published document is the pinned @seamapi/types', () => {
    assert.equal(TYPES_VERSION, '1.977.0')
    for (const name of [
      'device',
      'access_code',
      'action_attempt',
      'event',
      'workspace',
      'pagination',
    ]) {
      assert.ok(SCHEMAS[name], `components.schemas.${name} is missing`)
    }
  })

  for (const object of [
    'workspace',
    'device',
    'pagination',
    'access_code',
    'action_attempt',
    'event',
  ]) {
    test(object, (t) => checkObject(t, object))
  }

  test('the validator catches tampered responses', () => {
    // Guards against a vacuous check: each tampering of a real sample must fail validation.
    const first = (object, pred = () => true) =>
      structuredClone(samples.find((s) => s.object === object && pred(s.value))?.value)
    const cases = [
      ['device', first('device'), (d) => (d.properties.online = 'yes')],
      ['device', first('device'), (d) => delete d.device_id],
      ['device', first('device', (d) => d.errors.length > 0), (d) => delete d.errors[0].message],
      ['access_code', first('access_code'), (a) => (a.status = 'bogus')],
      [
        'access_code',
        first('access_code', (a) => a.errors.length > 0),
        (a) => delete a.errors[0].message,
      ],
      [
        'action_attempt',
        first('action_attempt', (a) => a.status === 'error'),
        (a) => (a.error = { type: 1 }),
      ],
      [
        'event',
        first('event', (e) => e.event_type === 'access_code.created'),
        (e) => delete e.access_code_id,
      ],
      ['event', first('event'), (e) => (e.event_type = 'no.such_event')],
      ['workspace', first('workspace'), (w) => (w.is_sandbox = 'true')],
      ['pagination', first('pagination'), (p) => (p.has_next_page = 'no')],
    ]
    for (const [object, value, tamper] of cases) {
      assert.ok(value, `no ${object} sample to tamper with`)
      tamper(value)
      const validate = validatorFor(schemaPointerFor(object, value))
      assert.equal(validate(value), false, `tampered ${object} passed: ${tamper}`)
    }
  })

  test('no known server mismatch is stale', () => {
    // Like a strict xfail: when the server is fixed, the entry must go.
    const stale = KNOWN_SERVER_MISMATCHES.filter((k) => !seenKnown.has(k))
    assert.deepEqual(
      stale.map((k) => `${k.object} ${k.where} ${k.keyword ?? ''}: ${k.reason}`),
      [],
      'these known mismatches no longer occur: remove them from KNOWN_SERVER_MISMATCHES',
    )
  })
})
