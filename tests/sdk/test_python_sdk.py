"""Conformance: drive seam-emulator with the official Seam Python SDK (seam 3.x).

Device use (the JS suites share the same server, in other pytest tests that never run at
the same time as this module; see js/sdk.test.mjs, js/schema.test.mjs, js2/sdk2.test.mjs):
  august_front_door  devices, CRUD, errors, the article's backup flow
  yale_back_door     failure rehearsal (disconnect / failed_to_set, delivered as a webhook
                     verified by @seamapi/webhook / pull / reconnect)
  lockly_side_door   read only (no pool support)
"""

from __future__ import annotations

import random
import time
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, TypeVar

import pytest
from seam import (
    Seam,
    SeamHttpApiError,
    SeamHttpInvalidInputError,
    SeamHttpUnauthorizedError,
)
from seam.resources import AccessCode

T = TypeVar("T")

POLL_TIMEOUT_S = 5.0
RECOVERY_TIMEOUT_S = 15.0


# --------------------------------------------------------------------------- helpers


def iso(dt: datetime) -> str:
    """RFC 3339 UTC with milliseconds, as Seam prints timestamps."""
    dt = dt.astimezone(timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def parse_ts(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def now() -> datetime:
    return datetime.now(timezone.utc)


def window(start_in: timedelta = timedelta(minutes=1), length: timedelta = timedelta(days=2)):
    """(starts_at, ends_at) as RFC 3339 strings for a time-bound code."""
    start = now() + start_in
    return iso(start), iso(start + length)


def random_code(digits: int = 4) -> str:
    return "".join(random.choice("0123456789") for _ in range(digits))


def error_codes(obj: Any) -> list[str]:
    return [e.error_code for e in (obj.errors or [])]


def warning_codes(obj: Any) -> list[str]:
    return [w.warning_code for w in (obj.warnings or [])]


def poll(
    fetch: Callable[[], T],
    done: Callable[[T], bool],
    what: str,
    timeout: float = POLL_TIMEOUT_S,
    interval: float = 0.1,
) -> T:
    """Call fetch() until done(value) holds; fail with the last value after timeout."""
    deadline = time.monotonic() + timeout
    while True:
        value = fetch()
        if done(value):
            return value
        if time.monotonic() >= deadline:
            pytest.fail(f"timed out after {timeout}s waiting for {what}; last value: {value!r}")
        time.sleep(interval)


def get_code(seam: Seam, access_code_id: str) -> AccessCode:
    return seam.access_codes.get(access_code_id=access_code_id)


def create_pool_code(seam: Seam, device_id: str, name: str) -> AccessCode:
    """A time-bound code (starts in 1 minute, lasts 2 days) that uses the backup pool."""
    starts_at, ends_at = window()
    ac = seam.access_codes.create(
        device_id=device_id,
        name=name,
        starts_at=starts_at,
        ends_at=ends_at,
        use_backup_access_code_pool=True,
    )
    assert ac.type == "time_bound"
    assert ac.device_id == device_id
    assert parse_ts(ac.ends_at) == parse_ts(ends_at)
    return ac


def wait_backup_available(seam: Seam, access_code_id: str) -> AccessCode:
    return poll(
        lambda: get_code(seam, access_code_id),
        lambda ac: ac.is_backup_access_code_available is True,
        f"is_backup_access_code_available on {access_code_id}",
    )


def delete_quietly(seam: Seam, *access_code_ids: str) -> None:
    for access_code_id in access_code_ids:
        try:
            seam.access_codes.delete(access_code_id=access_code_id)
        except SeamHttpApiError:
            pass


def assert_api_error(err: SeamHttpApiError, code: str, status: int) -> None:
    assert err.code == code, f"error code {err.code!r} (message {err})"
    assert err.status_code == status
    assert isinstance(err.request_id, str) and err.request_id, "missing seam-request-id"


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def seam(server) -> Seam:
    client = Seam(api_key=server["api_key"], endpoint=server["endpoint"])
    yield client
    client.close()


# --------------------------------------------------------------------------- 1. devices


def test_devices_get_and_list(seam: Seam, devices: dict[str, str]):
    august_id = devices["august_front_door"]
    lockly_id = devices["lockly_side_door"]

    august = seam.devices.get(device_id=august_id)
    assert august.device_id == august_id
    assert august.is_managed is True
    assert "access_code" in august.capabilities_supported
    assert august.properties.supports_backup_access_code_pool is True
    assert august.properties.online is True

    lockly = seam.devices.get(device_id=lockly_id)
    assert lockly.properties.supports_backup_access_code_pool is False

    listed = seam.devices.list()
    by_id = {d.device_id: d for d in listed}
    assert set(devices.values()) <= set(by_id), "seeded devices missing from devices.list"
    assert by_id[august_id].properties.supports_backup_access_code_pool is True
    assert by_id[lockly_id].properties.supports_backup_access_code_pool is False


def test_devices_list_pagination(seam: Seam):
    everything = seam.devices.list()
    assert len(everything) > 2

    first = seam.devices.list(limit=2)
    assert len(first) == 2
    assert first.pagination is not None, "devices.list must carry a pagination object"
    assert first.pagination["has_next_page"] is True
    assert first.pagination["next_page_cursor"]

    paginator = seam.create_paginator(seam.devices.list, {"limit": 2})
    page, pagination = paginator.first_page()
    assert len(page) == 2 and pagination.has_next_page
    walked = paginator.flatten_to_list()
    ids = [d.device_id for d in walked]
    assert len(ids) == len(set(ids)), f"pagination repeated devices: {ids}"
    assert set(ids) == {d.device_id for d in everything}


# --------------------------------------------------------------------------- 2. access codes


def test_access_code_crud_and_action_attempt(seam: Seam, devices: dict[str, str]):
    august_id = devices["august_front_door"]
    code = random_code(4)
    name = f"sdk-py ongoing {code}"

    # The SDK's create() keeps only `access_code`; read the whole response through
    # the SDK's own HTTP client to reach the action attempt as well.
    res = seam.client.post(
        "/access_codes/create", json={"device_id": august_id, "name": name, "code": code}
    )
    created = AccessCode.from_dict(res["access_code"])
    attempt = res["action_attempt"]
    try:
        assert created.device_id == august_id
        assert created.code == code
        assert created.name == name
        assert created.type == "ongoing"
        assert created.is_managed is True
        assert created.status in ("setting", "set")
        assert attempt["action_type"] == "CREATE_ACCESS_CODE"
        assert attempt["status"] in ("pending", "success")

        fetched = seam.action_attempts.get(
            action_attempt_id=attempt["action_attempt_id"], wait_for_action_attempt=False
        )
        assert fetched.action_attempt_id == attempt["action_attempt_id"]
        assert fetched.action_type == "CREATE_ACCESS_CODE"

        # The SDK's own wait (polls every 0.5 s for up to 5 s) must end in success.
        done = seam.action_attempts.get(
            action_attempt_id=attempt["action_attempt_id"], wait_for_action_attempt=True
        )
        assert done.status == "success"

        got = get_code(seam, created.access_code_id)
        assert got.access_code_id == created.access_code_id
        assert got.code == code and got.name == name and got.type == "ongoing"
        assert isinstance(got.errors, list) and isinstance(got.warnings, list)
        poll(lambda: get_code(seam, created.access_code_id), lambda ac: ac.status == "set",
             "ongoing code to become set")

        listed = seam.access_codes.list(device_id=august_id)
        assert created.access_code_id in {c.access_code_id for c in listed}
        assert all(c.device_id == august_id for c in listed)
    finally:
        seam.access_codes.delete(access_code_id=created.access_code_id)

    def gone() -> bool:
        try:
            get_code(seam, created.access_code_id)
            return False
        except SeamHttpApiError as err:
            assert_api_error(err, "access_code_not_found", 404)
            return True

    poll(gone, bool, "deleted code to answer 404")
    assert created.access_code_id not in {
        c.access_code_id for c in seam.access_codes.list(device_id=august_id)
    }


def test_access_code_create_method_returns_access_code(seam: Seam, devices: dict[str, str]):
    august_id = devices["august_front_door"]
    ac = seam.access_codes.create(device_id=august_id, name="sdk-py generated")
    try:
        assert isinstance(ac, AccessCode)
        assert ac.code and ac.code.isdigit()
        assert ac.type == "ongoing"
        assert ac.errors == [] and ac.warnings == []
        assert isinstance(ac.pending_mutations, list)
    finally:
        delete_quietly(seam, ac.access_code_id)


# --------------------------------------------------------------------------- 3. errors


def test_invalid_code_is_invalid_input(seam: Seam, devices: dict[str, str]):
    with pytest.raises(SeamHttpInvalidInputError) as info:
        seam.access_codes.create(device_id=devices["august_front_door"], code="12ab")
    err = info.value
    assert_api_error(err, "invalid_input", 400)
    assert err.get_validation_error_messages("code"), (
        f"validation_errors should name `code`: {err._validation_errors!r}"
    )


def test_unknown_access_code_is_not_found(seam: Seam):
    with pytest.raises(SeamHttpApiError) as info:
        seam.access_codes.get(access_code_id=str(uuid.uuid4()))
    assert not isinstance(info.value, SeamHttpInvalidInputError)
    assert_api_error(info.value, "access_code_not_found", 404)


def test_unknown_device_is_not_found(seam: Seam):
    with pytest.raises(SeamHttpApiError) as info:
        seam.devices.get(device_id=str(uuid.uuid4()))
    assert_api_error(info.value, "device_not_found", 404)


def test_wrong_api_key_is_unauthorized(server):
    with Seam(api_key="seam_wrong_key", endpoint=server["endpoint"]) as bad:
        with pytest.raises(SeamHttpUnauthorizedError) as info:
            bad.devices.list()
    assert_api_error(info.value, "unauthorized", 401)


# --------------------------------------------------------------------------- 4. backup flow


def test_backup_access_code_flow(seam: Seam, devices: dict[str, str]):
    """The article's flow on August: activate, confirm availability, pull, pull again."""
    august_id = devices["august_front_door"]
    since = iso(now() - timedelta(seconds=2))
    original = create_pool_code(seam, august_id, "sdk-py time-bound with backup")
    try:
        original = wait_backup_available(seam, original.access_code_id)

        device = seam.devices.get(device_id=august_id)
        assert device.properties.backup_access_code_pool_enabled is True

        backup = seam.access_codes.pull_backup_access_code(
            access_code_id=original.access_code_id
        )
        assert backup.access_code_id != original.access_code_id
        assert backup.device_id == august_id
        assert backup.is_backup is True
        assert backup.type == "time_bound"
        assert backup.status == "set"
        assert parse_ts(backup.ends_at) == parse_ts(original.ends_at)
        assert backup.name == f"Backup {backup.access_code_id} (Seam)"
        assert backup.code and backup.code.isdigit()

        again = seam.access_codes.pull_backup_access_code(
            access_code_id=original.access_code_id
        )
        assert again.access_code_id == backup.access_code_id
        assert again.code == backup.code

        original = get_code(seam, original.access_code_id)
        assert original.pulled_backup_access_code_id == backup.access_code_id
        assert "using_backup_access_code" in warning_codes(original)
        assert original.is_backup_access_code_available is True

        listed = seam.access_codes.list(device_id=august_id)
        others = [c for c in listed if c.access_code_id != backup.access_code_id]
        assert backup.code not in {c.code for c in others}, "backup code value collides"
        # Unpulled backups (ongoing, is_backup) never show in access_codes.list.
        assert not [c.access_code_id for c in listed if c.is_backup and c.type != "time_bound"]

        pulled_events = poll(
            lambda: seam.events.list(
                since=since, event_types=["access_code.backup_access_code_pulled"]
            ),
            lambda evs: any(
                getattr(e, "access_code_id", None) == original.access_code_id for e in evs
            ),
            "access_code.backup_access_code_pulled event",
        )
        mine = [e for e in pulled_events if e.access_code_id == original.access_code_id]
        assert len(mine) == 1, f"one pull event expected (second pull is a repeat): {mine}"
        assert mine[0].backup_access_code_id == backup.access_code_id
    finally:
        delete_quietly(seam, original.access_code_id)


# --------------------------------------------------------------------------- 5. failure rehearsal


def failed_to_set_deliveries(state: dict, access_code_id: str) -> list[dict]:
    """Accepted (2xx) receiver deliveries of access_code.failed_to_set_on_device for a code."""
    return [
        d
        for d in state["deliveries"]
        if d["accepted"]
        and d["event"].get("event_type") == "access_code.failed_to_set_on_device"
        and d["event"].get("access_code_id") == access_code_id
    ]


def test_failure_rehearsal_with_disconnected_lock(
    seam: Seam, devices: dict[str, str], receiver
):
    """Yale: fill the pool, lose the lock, watch a code fail (and hear it by webhook, verified
    with @seamapi/webhook), pull a backup, recover."""
    yale_id = devices["yale_back_door"]
    since = iso(now() - timedelta(seconds=2))
    created: list[str] = []

    # An integrator's endpoint, registered through the SDK.
    channel = f"sdk-py-rehearsal-{uuid.uuid4().hex}"
    webhook = seam.webhooks.create(url=receiver.hook_url(channel), event_types=["*"])
    assert webhook.secret and webhook.secret.startswith("whsec_"), webhook
    receiver.configure(channel, secret=webhook.secret, status=200)
    try:
        _failure_rehearsal(seam, yale_id, since, created, receiver, channel)
    finally:
        delete_quietly(seam, *created)
        seam.webhooks.delete(webhook_id=webhook.webhook_id)


def _failure_rehearsal(
    seam: Seam, yale_id: str, since: str, created: list[str], receiver, channel: str
) -> None:
    try:
        first = create_pool_code(seam, yale_id, "sdk-py pool primer")
        created.append(first.access_code_id)
        wait_backup_available(seam, first.access_code_id)

        seam.devices.simulate.disconnect(device_id=yale_id)
        poll(
            lambda: seam.devices.get(device_id=yale_id),
            lambda d: "device_disconnected" in error_codes(d) and d.properties.online is False,
            "device_disconnected on Yale",
        )

        second = create_pool_code(seam, yale_id, "sdk-py fails while offline")
        created.append(second.access_code_id)
        failed = poll(
            lambda: get_code(seam, second.access_code_id),
            lambda ac: "failed_to_set_on_device" in error_codes(ac),
            "failed_to_set_on_device on the second code",
        )
        assert failed.status in ("setting", "unset")

        events = poll(
            lambda: seam.events.list(
                since=since, event_types=["access_code.failed_to_set_on_device"]
            ),
            lambda evs: any(
                getattr(e, "access_code_id", None) == second.access_code_id for e in evs
            ),
            "access_code.failed_to_set_on_device event",
        )
        assert all(e.event_type == "access_code.failed_to_set_on_device" for e in events)
        [listed] = [e for e in events if e.access_code_id == second.access_code_id]

        # The same event at the integrator's endpoint, its signature verified.
        state = poll(
            lambda: receiver.received(channel),
            lambda r: failed_to_set_deliveries(r, second.access_code_id),
            "access_code.failed_to_set_on_device at the webhook receiver",
        )
        assert state["verified_with"].startswith("@seamapi/webhook@"), state["verified_with"]
        assert state["rejected_count"] == 0, f"rejected deliveries: {state['rejected']}"
        delivery = failed_to_set_deliveries(state, second.access_code_id)[0]
        assert delivery["event"]["event_id"] == listed.event_id
        assert delivery["event"]["device_id"] == yale_id
        assert isinstance(delivery["webhook_id"], str) and delivery["webhook_id"], delivery

        assert failed.is_backup_access_code_available is True
        backup = seam.access_codes.pull_backup_access_code(
            access_code_id=second.access_code_id
        )
        assert backup.is_backup is True
        assert backup.type == "time_bound"
        assert parse_ts(backup.ends_at) == parse_ts(second.ends_at)
        assert backup.access_code_id not in created
    finally:
        seam.devices.simulate.connect(device_id=yale_id)

    device = poll(
        lambda: seam.devices.get(device_id=yale_id),
        lambda d: "device_disconnected" not in error_codes(d) and d.properties.online is True,
        "Yale to come back online",
    )
    assert device.properties.online is True

    recovered = poll(
        lambda: get_code(seam, second.access_code_id),
        lambda ac: ac.status in ("set", "unset") and ac.errors == [],
        "failed code to be programmed after reconnect",
        timeout=RECOVERY_TIMEOUT_S,
    )
    assert recovered.pulled_backup_access_code_id == backup.access_code_id
    final = receiver.received(channel)
    assert final["rejected_count"] == 0, f"rejected deliveries: {final['rejected']}"
