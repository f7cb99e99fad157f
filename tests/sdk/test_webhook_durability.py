"""Webhook delivery is at least once and durable: it outlives a receiver outage and a server
restart (Seam delivers through Svix; the emulator keeps its queue in Postgres).

The test runs a seam-emulator of its own on its own fresh database (``emulator_factory``),
stops it with SIGTERM while deliveries are failing, starts it again on the same
DATABASE_URL and sandbox key, and checks with the session's webhook receiver, which verifies
every delivery with the official @seamapi/webhook package, that every event of the rehearsal
arrives exactly once per event under one webhook-id each.

Its server gets SEAM_EMULATOR_WEBHOOK_TIMEOUT_MS=2000: a delivery claimed by the stopped
process and never recorded is retried when its lease (timeout + 5 s) runs out, which keeps
even that case inside the 15 s budget.
"""

from __future__ import annotations

import signal
import time
import uuid
import warnings
from collections import defaultdict
from datetime import datetime, timedelta, timezone

import pytest

ARRIVAL_TIMEOUT_S = 15.0
POLL_TIMEOUT_S = 10.0


def iso(dt: datetime) -> str:
    dt = dt.astimezone(timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def poll(fetch, done, what: str, timeout: float = POLL_TIMEOUT_S, interval: float = 0.1):
    deadline = time.monotonic() + timeout
    while True:
        value = fetch()
        if done(value):
            return value
        if time.monotonic() >= deadline:
            pytest.fail(f"timed out after {timeout}s waiting for {what}; last value: {value!r}")
        time.sleep(interval)


def test_webhooks_survive_receiver_outage_and_server_restart(emulator_factory, receiver):
    inst = emulator_factory(SEAM_EMULATOR_WEBHOOK_TIMEOUT_MS="2000")
    inst.start()
    yale_id = inst.seed()["devices"]["yale_back_door"]

    # The receiver is down (answers 500) before the webhook exists.
    channel = f"sdk-durability-{uuid.uuid4().hex}"
    receiver.configure(channel, status=500)
    webhook = inst.call("/webhooks/create", {"url": receiver.hook_url(channel)})["webhook"]
    assert webhook["event_types"] == ["*"], webhook
    assert webhook["secret"].startswith("whsec_"), webhook
    receiver.configure(channel, secret=webhook["secret"])
    time.sleep(0.05)
    since = iso(datetime.now(timezone.utc) - timedelta(milliseconds=1))

    # The rehearsal: the lock goes offline and a new code cannot be programmed.
    inst.call("/devices/simulate/disconnect", {"device_id": yale_id})
    code = inst.call(
        "/access_codes/create", {"device_id": yale_id, "name": "sdk-durability fails offline"}
    )["access_code"]

    def events() -> list[dict]:
        return inst.call("/events/list", {"since": since, "limit": 10_000})["events"]

    poll(
        events,
        lambda evs: any(
            e["event_type"] == "access_code.failed_to_set_on_device"
            and e.get("access_code_id") == code["access_code_id"]
            for e in evs
        ),
        "access_code.failed_to_set_on_device",
    )
    before_stop = events()
    types = {e["event_type"] for e in before_stop}
    assert {"device.disconnected", "access_code.created"} <= types, types

    # Every delivery so far was tried and failed against the 500.
    def deliveries() -> list[dict]:
        return inst.call(
            "/_fake/webhook_deliveries", {"webhook_id": webhook["webhook_id"]}
        )["webhook_deliveries"]

    wanted = {e["event_id"] for e in before_stop}
    failing = poll(
        deliveries,
        lambda ds: wanted <= {d["event_id"] for d in ds}
        and all(
            any(a.get("response_status") == 500 for a in d["attempts"])
            for d in ds
            if d["event_id"] in wanted
        ),
        "a failed (500) attempt on every delivery",
    )
    assert not [d for d in failing if d["status"] == "delivered"], failing
    state = receiver.received(channel)
    assert not [d for d in state["deliveries"] if d["accepted"]], state["deliveries"]
    assert state["rejected_count"] == 0, f"rejected deliveries: {state['rejected']}"

    # Restart on the same database while deliveries are pending, then the receiver recovers.
    exit_code = inst.stop()
    assert exit_code in (0, -signal.SIGTERM), (
        f"server exited with {exit_code} on SIGTERM\n{inst.output(50)}"
    )
    inst.start()
    receiver.configure(channel, status=200)
    started = time.monotonic()

    def arrived() -> tuple[list[dict], dict]:
        evs = events()
        st = receiver.received(channel)
        got = {d["event"].get("event_id") for d in st["deliveries"] if d["accepted"]}
        return evs, st if {e["event_id"] for e in evs} <= got else None

    evs, state = poll(
        arrived,
        lambda v: v[1] is not None,
        "every event to arrive at the receiver after the restart",
        timeout=ARRIVAL_TIMEOUT_S,
        interval=0.2,
    )
    elapsed = time.monotonic() - started
    print(f"[durability] {len(evs)} events arrived {elapsed:.1f}s after restart + recovery")

    assert state["rejected_count"] == 0, f"rejected deliveries: {state['rejected']}"
    accepted = [d for d in state["deliveries"] if d["accepted"]]
    ids_by_event: dict[str, set[str]] = defaultdict(set)
    accepts_by_webhook_id: dict[str, int] = defaultdict(int)
    for d in accepted:
        ids_by_event[d["event"]["event_id"]].add(d["webhook_id"])
        accepts_by_webhook_id[d["webhook_id"]] += 1

    listed = {e["event_id"]: e for e in events()}
    for event_id, event in listed.items():
        webhook_ids = ids_by_event.get(event_id, set())
        assert len(webhook_ids) == 1, (
            f"event {event_id} ({event['event_type']}) arrived under webhook-ids {webhook_ids}"
        )
    all_ids = [next(iter(v)) for v in ids_by_event.values()]
    assert len(all_ids) == len(set(all_ids)), f"two events share a webhook-id: {all_ids}"
    strays = set(ids_by_event) - set(listed)
    assert not strays, f"the receiver got events that events/list does not return: {strays}"
    for d in accepted:
        assert d["event"] == listed[d["event"]["event_id"]], (
            f"delivered body differs from events/list: {d['event']} vs "
            f"{listed[d['event']['event_id']]}"
        )

    duplicates = {wid: n for wid, n in accepts_by_webhook_id.items() if n > 1}
    if duplicates:
        # At least once allows it; say so rather than fail.
        warnings.warn(f"webhook-ids accepted more than once (at-least-once): {duplicates}")
        print(f"[durability] duplicate deliveries by webhook-id: {duplicates}")

    # The delivery log agrees: delivered, after failed attempts that span the restart.
    log = {d["event_id"]: d for d in deliveries()}
    for event_id in listed:
        d = log[event_id]
        assert d["status"] == "delivered", d
        statuses = [a.get("response_status") for a in d["attempts"]]
        assert statuses and 200 <= (statuses[-1] or 0) < 300, d
    for event_id in wanted:
        statuses = [a.get("response_status") for a in log[event_id]["attempts"]]
        assert 500 in statuses, log[event_id]
    for event_id, d in log.items():
        print(
            f"[durability] {d['event_type']}: attempts "
            f"{[a.get('response_status') or a.get('error') for a in d['attempts']]}"
        )
