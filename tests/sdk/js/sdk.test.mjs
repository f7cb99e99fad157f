// Conformance: drive seam-emulator with the official Seam JS SDK (npm `seam` 1.x).
//
// Run by tests/sdk/test_js_sdk.py, which starts the server and sets:
//   SEAM_ENDPOINT              http://127.0.0.1:PORT
//   SEAM_API_KEY               the sandbox key
//   SEAM_SEED_JSON             body of GET /_fake/default_seed
//   SEAM_WEBHOOK_RECEIVER_URL  the session's webhook receiver (receiver.mjs), which verifies
//                              every delivery with @seamapi/webhook
//
// Device use (the Python and JS 2 suites share the same server, in other pytest tests;
// schema.test.mjs runs at the same time as this file and uses yale_back_door only):
//   august_front_door  devices, CRUD (random code of the longest supported length)
//   schlage_garage     the backup-code flow, then the failure rehearsal (programming failures
//                      injected with /_fake/devices/fail_next_attempts, reset to 0 after)
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

const POLL_TIMEOUT_MS = 5_000
const RECOVERY_TIMEOUT_MS = 15_000
const TEST_TIMEOUT_MS = 60_000

const seam = new Seam({ apiKey, endpoint })
const poll = poller(POLL_TIMEOUT_MS)

// ------------------------------------------------------------------ helpers

/** RFC 3339 UTC with milliseconds, as Seam prints timestamps. */
const iso = (date) => date.toISOString()

async function deleteQuietly(...accessCodeIds) {
  for (const access_code_id of accessCodeIds) {
    try {
      await seam.accessCodes.delete({ access_code_id })
    } catch (err) {
      if (!(err instanceof SeamHttpApiError)) throw err
    }
  }
}

// ------------------------------------------------------------------ 1. devices

describe('devices', { timeout: TEST_TIMEOUT_MS }, () => {
  test('get and list expose pool support', async () => {
    const august = await seam.devices.get({ device_id: devices.august_front_door })
    assert.equal(august.device_id, devices.august_front_door)
    assert.equal(august.is_managed, true)
    assert.ok(august.capabilities_supported.includes('access_code'))
    assert.equal(august.properties.supports_backup_access_code_pool, true)

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

  test('list paginates with limit', async () => {
    const everything = await seam.devices.list()
    assert.ok(everything.length > 2)

    const paginator = seam.createPaginator(seam.devices.list({ limit: 2 }))
    const [page, pagination] = await paginator.firstPage()
    assert.equal(page.length, 2)
    assert.equal(pagination.hasNextPage, true)
    assert.ok(pagination.nextPageCursor)

    const all = await paginator.flattenToArray()
    const ids = all.map((d) => d.device_id)
    assert.equal(new Set(ids).size, ids.length, `pagination repeated devices: ${ids}`)
    assert.deepEqual(new Set(ids), new Set(everything.map((d) => d.device_id)))
  })
})

// ------------------------------------------------------------------ 2. access codes

describe('access codes', { timeout: TEST_TIMEOUT_MS }, () => {
  test('create, action attempt, get, list, delete', async () => {
    const deviceId = devices.august_front_door
    const device = await seam.devices.get({ device_id: deviceId })
    const lengths = device.properties.supported_code_lengths ?? [4]
    const code = randomDigits(Math.max(...lengths))
    const name = `sdk-js ongoing ${code}`

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
      assert.equal(attempt.action_type, 'CREATE_ACCESS_CODE')
      assert.ok(['pending', 'success'].includes(attempt.status), attempt.status)

      const fetched = await seam.actionAttempts.get(
        { action_attempt_id: attempt.action_attempt_id },
        { waitForActionAttempt: false },
      )
      assert.equal(fetched.action_attempt_id, attempt.action_attempt_id)
      assert.equal(fetched.action_type, 'CREATE_ACCESS_CODE')

      // The SDK's own wait (every 1 s for up to 10 s) must end in success.
      const done = await seam.actionAttempts.get(
        { action_attempt_id: attempt.action_attempt_id },
        { waitForActionAttempt: true },
      )
      assert.equal(done.status, 'success')

      const got = await seam.accessCodes.get({ access_code_id: created.access_code_id })
      assert.equal(got.code, code)
      assert.equal(got.name, name)
      assert.ok(Array.isArray(got.errors) && Array.isArray(got.warnings))
      await poll(
        () => seam.accessCodes.get({ access_code_id: created.access_code_id }),
        (ac) => ac.status === 'set',
        'ongoing code to become set',
      )

      const listed = await seam.accessCodes.list({ device_id: deviceId })
      assert.ok(listed.some((c) => c.access_code_id === created.access_code_id))
      assert.ok(listed.every((c) => c.device_id === deviceId))
    } finally {
      await seam.accessCodes.delete({ access_code_id: created.access_code_id })
    }

    await poll(
      async () => {
        try {
          await seam.accessCodes.get({ access_code_id: created.access_code_id })
          return false
        } catch (err) {
          if (err instanceof SeamHttpApiError && err.code === 'access_code_not_found') {
            return true
          }
          throw err
        }
      },
      Boolean,
      'deleted code to answer 404',
    )
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

  test('unknown access code is access_code_not_found', async () => {
    const err = await expectApiError(
      seam.accessCodes.get({ access_code_id: randomUUID() }),
      SeamHttpApiError,
      'access_code_not_found',
      404,
    )
    assert.ok(!(err instanceof SeamHttpInvalidInputError))
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
    const device = await seam.devices.get({ device_id: deviceId })
    assert.equal(
      device.properties.supports_backup_access_code_pool,
      true,
      'schlage_garage should support the backup pool',
    )

    const startsAt = iso(inMs(60_000))
    const endsAt = iso(inMs(2 * 24 * 3600_000))
    let original = await seam.accessCodes.create({
      device_id: deviceId,
      name: 'sdk-js time-bound with backup',
      starts_at: startsAt,
      ends_at: endsAt,
      use_backup_access_code_pool: true,
    })
    try {
      assert.equal(original.type, 'time_bound')
      assert.equal(ts(original.ends_at), ts(endsAt))

      original = await poll(
        () => seam.accessCodes.get({ access_code_id: original.access_code_id }),
        (ac) => ac.is_backup_access_code_available === true,
        'is_backup_access_code_available',
      )

      const updated = await seam.devices.get({ device_id: deviceId })
      assert.equal(updated.properties.backup_access_code_pool_enabled, true)

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

      const again = await seam.accessCodes.pullBackupAccessCode({
        access_code_id: original.access_code_id,
      })
      assert.equal(again.access_code_id, backup.access_code_id)
      assert.equal(again.code, backup.code)

      original = await seam.accessCodes.get({ access_code_id: original.access_code_id })
      assert.equal(original.pulled_backup_access_code_id, backup.access_code_id)
      assert.ok(
        warningCodes(original).includes('using_backup_access_code'),
        `warnings: ${JSON.stringify(original.warnings)}`,
      )

      const others = (await seam.accessCodes.list({ device_id: deviceId })).filter(
        (c) => c.access_code_id !== backup.access_code_id,
      )
      assert.ok(
        !others.some((c) => c.code === backup.code),
        'backup code value collides with another code on the device',
      )
    } finally {
      await deleteQuietly(original.access_code_id)
    }
  })
})

// ------------------------------------------------------------------ 5. failure rehearsal

describe('failure rehearsal', { timeout: TEST_TIMEOUT_MS }, () => {
  test('a code the lock cannot program: verified webhook, then a backup', async () => {
    const deviceId = devices.schlage_garage
    const since = iso(inMs(-2_000))
    const channel = `sdk-js-rehearsal-${randomUUID()}`

    // An integrator's endpoint: registered through the SDK, verifying with @seamapi/webhook.
    const webhook = await seam.webhooks.create({
      url: `${receiverUrl}/hooks/${channel}`,
      event_types: ['*'],
    })
    assert.match(webhook.secret, /^whsec_/)
    await receiverControl(channel, { secret: webhook.secret, status: 200 })

    const created = []
    try {
      const primer = await seam.accessCodes.create({
        device_id: deviceId,
        name: 'sdk-js rehearsal primer',
        starts_at: iso(inMs(60_000)),
        ends_at: iso(inMs(2 * 24 * 3600_000)),
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
        const endsAt = iso(inMs(3 * 24 * 3600_000))
        failing = await seam.accessCodes.create({
          device_id: deviceId,
          name: 'sdk-js rehearsal fails to program',
          starts_at: iso(inMs(60_000)),
          ends_at: endsAt,
          use_backup_access_code_pool: true,
        })
        created.push(failing.access_code_id)
        const failed = await poll(
          () => seam.accessCodes.get({ access_code_id: failing.access_code_id }),
          (ac) => (ac.errors ?? []).some((e) => e.error_code === 'failed_to_set_on_device'),
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
        const [listed] = await seam.events.list({
          since,
          event_type: 'access_code.failed_to_set_on_device',
          access_code_id: failing.access_code_id,
        })
        assert.ok(listed, 'events.list has no access_code.failed_to_set_on_device for the code')
        assert.equal(delivery.event.event_id, listed.event_id)
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
        (ac) => ['set', 'unset'].includes(ac.status) && (ac.errors ?? []).length === 0,
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
