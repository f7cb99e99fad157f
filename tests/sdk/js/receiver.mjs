// A webhook receiver for the SDK suite that verifies every delivery with Seam's official
// webhook package, @seamapi/webhook (`new SeamWebhook(secret).verify(payload, headers)`,
// Svix / Standard Webhooks underneath), the way an integrator's endpoint would.
//
//   node receiver.mjs            listens on 127.0.0.1:$RECEIVER_PORT (default 0: a free port)
//                                and prints `receiver listening on http://127.0.0.1:PORT`
//
// Deliveries go to channels, one per webhook registration, so suites sharing one receiver
// never see each other's traffic and the same event delivered to two webhooks is not a
// duplicate:
//
//   POST /hooks/<channel>        a webhook delivery. Verified with the channel's secret:
//                                on success it is recorded and answered with the channel's
//                                status (default 200); on failure (bad or missing signature
//                                or headers, stale timestamp) it is counted as rejected and
//                                answered 401. Before the channel has a secret (a delivery
//                                can beat the control call that passes on the secret from
//                                webhooks/create) it is answered 503 and counted as unready.
//   POST /control/<channel>      JSON {secret?, status?, reset?}: set the channel's signing
//                                secret (`whsec_...`, from webhooks/create), the status to
//                                answer verified deliveries with (200 or 500, say), or
//                                forget what it received. Answers the channel's state.
//   GET  /received?channel=<c>   {channel, status, deliveries, rejected, rejected_count,
//                                unready_count, verified_with}.
//                                deliveries: every verified delivery in arrival order:
//                                {webhook_id, webhook_timestamp, answered, accepted,
//                                 received_at, event} where `event` is the verified body
//                                (the Seam event object) and `accepted` is answered < 300.
//                                rejected: {reason, webhook_id, received_at}.
//   GET  /health                 {ok: true}
//
// RECEIVER_SECRET / RECEIVER_STATUS set the defaults for channels not configured otherwise.

import { readFileSync } from 'node:fs'
import { createServer } from 'node:http'

import { SeamWebhook } from '@seamapi/webhook'

const WEBHOOK_PACKAGE = `@seamapi/webhook@${
  JSON.parse(
    readFileSync(new URL('./node_modules/@seamapi/webhook/package.json', import.meta.url), 'utf8'),
  ).version
}`

const MAX_BODY_BYTES = 5 * 1024 * 1024

const defaults = {
  secret: process.env.RECEIVER_SECRET || null,
  status: Number(process.env.RECEIVER_STATUS || 200),
}

/** channel name -> {secret, status, deliveries, rejected} */
const channels = new Map()

function channel(name) {
  let ch = channels.get(name)
  if (ch == null) {
    ch = {
      secret: defaults.secret,
      status: defaults.status,
      deliveries: [],
      rejected: [],
      unready: [],
    }
    channels.set(name, ch)
  }
  return ch
}

function state(name, ch) {
  return {
    channel: name,
    status: ch.status,
    has_secret: ch.secret != null,
    verified_with: WEBHOOK_PACKAGE,
    deliveries: ch.deliveries,
    rejected: ch.rejected,
    rejected_count: ch.rejected.length,
    unready_count: ch.unready.length,
  }
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = []
    let size = 0
    req.on('data', (chunk) => {
      size += chunk.length
      if (size > MAX_BODY_BYTES) {
        reject(new Error('body too large'))
        req.destroy()
        return
      }
      chunks.push(chunk)
    })
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    req.on('error', reject)
  })
}

function send(res, status, body) {
  const text = JSON.stringify(body)
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  })
  res.end(text)
}

function headerValue(req, name) {
  const v = req.headers[name]
  return Array.isArray(v) ? v.join(',') : v
}

async function onDelivery(req, res, name) {
  const ch = channel(name)
  const payload = await readBody(req)
  const webhookId = headerValue(req, 'webhook-id') ?? null
  const receivedAt = new Date().toISOString()
  if (ch.secret == null) {
    // The secret comes from webhooks/create's answer, so a delivery can beat the control
    // call that hands it over: not a bad signature, just an endpoint not ready yet. 503
    // makes the sender retry.
    ch.unready.push({ webhook_id: webhookId, received_at: receivedAt })
    send(res, 503, { error: 'no secret configured yet' })
    return
  }
  let event
  try {
    // Exactly what an integrator writes: the raw body and the request's headers.
    event = new SeamWebhook(ch.secret).verify(payload, req.headers)
  } catch (err) {
    ch.rejected.push({
      reason: `${err?.name ?? 'Error'}: ${err?.message ?? err}`,
      webhook_id: webhookId,
      received_at: receivedAt,
    })
    send(res, 401, { error: 'signature verification failed' })
    return
  }
  const answered = ch.status
  ch.deliveries.push({
    webhook_id: webhookId,
    webhook_timestamp: headerValue(req, 'webhook-timestamp') ?? null,
    answered,
    accepted: answered >= 200 && answered < 300,
    received_at: receivedAt,
    event,
  })
  send(res, answered, answered < 300 ? { ok: true } : { error: `configured to answer ${answered}` })
}

async function onControl(req, res, name) {
  const ch = channel(name)
  const text = await readBody(req)
  let body = {}
  if (text.trim() !== '') {
    try {
      body = JSON.parse(text)
    } catch {
      send(res, 400, { error: 'body must be JSON' })
      return
    }
  }
  if (body.reset) {
    ch.deliveries = []
    ch.rejected = []
    ch.unready = []
  }
  if ('secret' in body) ch.secret = body.secret || null
  if ('status' in body) {
    const status = Number(body.status)
    if (!Number.isInteger(status) || status < 200 || status > 599) {
      send(res, 400, { error: `bad status ${body.status}` })
      return
    }
    ch.status = status
  }
  send(res, 200, state(name, ch))
}

const server = createServer((req, res) => {
  const url = new URL(req.url, 'http://receiver')
  const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent)
  const handle = async () => {
    if (req.method === 'POST' && parts.length === 2 && parts[0] === 'hooks') {
      return onDelivery(req, res, parts[1])
    }
    if (req.method === 'POST' && parts.length === 2 && parts[0] === 'control') {
      return onControl(req, res, parts[1])
    }
    if (req.method === 'GET' && url.pathname === '/received') {
      const name = url.searchParams.get('channel') ?? 'default'
      return send(res, 200, state(name, channel(name)))
    }
    if (req.method === 'GET' && url.pathname === '/health') {
      return send(res, 200, { ok: true, verified_with: WEBHOOK_PACKAGE })
    }
    return send(res, 404, { error: `no route ${req.method} ${url.pathname}` })
  }
  handle().catch((err) => {
    if (!res.headersSent) send(res, 500, { error: String(err?.message ?? err) })
  })
})

server.listen(Number(process.env.RECEIVER_PORT || 0), '127.0.0.1', () => {
  const { port } = server.address()
  console.log(`receiver listening on http://127.0.0.1:${port}`)
})

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    server.close()
    server.closeAllConnections?.()
    process.exit(0)
  })
}
