// Helpers shared by the node suites (js/ on Node 20 with seam 1.160, js2/ on Node 22 with the
// current line): the environment pytest passes, timing, and calls to the emulator's own
// routes and to the webhook receiver. Only node built-ins are imported here, so each suite
// loads it next to its own SDK.

import assert from 'node:assert/strict'
import { randomInt } from 'node:crypto'

export function requireEnv(name) {
  const value = process.env[name]
  if (value == null || value === '') {
    throw new Error(`${name} is not set (run the node suites through pytest tests/sdk)`)
  }
  return value
}

export const endpoint = requireEnv('SEAM_ENDPOINT')
export const apiKey = requireEnv('SEAM_API_KEY')
export const seed = JSON.parse(requireEnv('SEAM_SEED_JSON'))
export const devices = seed.devices
export const receiverUrl = requireEnv('SEAM_WEBHOOK_RECEIVER_URL')

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

export const inMs = (ms) => new Date(Date.now() + ms)

export const ts = (value) => new Date(value).getTime()

export const randomDigits = (n) =>
  Array.from({ length: n }, () => String(randomInt(10))).join('')

export const warningCodes = (obj) => (obj.warnings ?? []).map((w) => w.warning_code)

/** A poll(fetch, done, what, timeoutMs?) that calls fetch() until done(value), every 100 ms,
 * and fails with the last value after the timeout (by default `defaultTimeoutMs`). */
export function poller(defaultTimeoutMs) {
  return async function poll(fetch, done, what, timeoutMs = defaultTimeoutMs) {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const value = await fetch()
      if (done(value)) return value
      if (Date.now() >= deadline) {
        assert.fail(
          `timed out after ${timeoutMs} ms waiting for ${what}; last value: ${JSON.stringify(value)}`,
        )
      }
      await sleep(100)
    }
  }
}

/** POST JSON to an emulator route outside the SDK (`/_fake/...`); the parsed answer. */
export async function emulatorCall(route, body) {
  const res = await fetch(`${endpoint}${route}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
  const text = await res.text()
  assert.equal(res.status, 200, `POST ${route} -> ${res.status}: ${text}`)
  return JSON.parse(text)
}

/** The receiver's control call for one channel (see receiver.mjs). */
export async function receiverControl(channel, body) {
  const res = await fetch(`${receiverUrl}/control/${encodeURIComponent(channel)}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
  const text = await res.text()
  assert.equal(res.status, 200, `receiver control -> ${res.status}: ${text}`)
  return JSON.parse(text)
}

/** What the receiver got on one channel. */
export async function receivedOn(channel) {
  const res = await fetch(`${receiverUrl}/received?channel=${encodeURIComponent(channel)}`)
  assert.equal(res.status, 200)
  return res.json()
}

/** Awaits `promise`, which must reject with the SDK's `ErrorClass`, `code` and `statusCode`,
 * and carry the request id from the `seam-request-id` header. */
export async function expectApiError(promise, ErrorClass, code, statusCode) {
  let caught
  try {
    await promise
  } catch (err) {
    caught = err
  }
  assert.ok(caught, `expected ${ErrorClass.name} (${code}) but the call succeeded`)
  assert.ok(
    caught instanceof ErrorClass,
    `expected ${ErrorClass.name}, got ${caught?.constructor?.name}: ${caught?.message}`,
  )
  assert.equal(caught.code, code, `error code (message: ${caught.message})`)
  assert.equal(caught.statusCode, statusCode)
  assert.equal(typeof caught.requestId, 'string')
  assert.ok(caught.requestId.length > 0, 'requestId (seam-request-id header) is empty')
  return caught
}
