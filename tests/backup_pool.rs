//! The backup access code pool end to end over HTTP, with a manual clock.

mod common;

use chrono::Duration;
use common::{assert_error, error_type, has_condition, id_of, TestApp};
use reqwest::StatusCode;
use serde_json::json;
use sqlx::PgPool;
use uuid::Uuid;

#[sqlx::test]
async fn activation_fills_the_pool_and_marks_codes_available(pool: PgPool) {
    let app = TestApp::start(pool).await;
    let lock = app.device("august_front_door");
    assert_eq!(
        app.device_json(lock).await["properties"]["backup_access_code_pool_enabled"],
        false
    );

    let id = app
        .pool_code(lock, Duration::hours(1), Duration::days(2))
        .await;
    let (_, before) = app.code(id).await;
    assert_eq!(
        before["is_backup_access_code_available"], false,
        "nothing is on the lock yet"
    );
    let device = app.device_json(lock).await;
    assert_eq!(
        device["properties"]["backup_access_code_pool_enabled"],
        true
    );
    assert!(has_condition(
        &device["errors"],
        "error_code",
        "empty_backup_access_code_pool"
    ));

    app.settle().await;
    assert_eq!(app.ready_backups(lock).await, 5);
    let state = app
        .ok("/_fake/devices/lock_state", json!({ "device_id": lock }))
        .await["lock_state"]
        .clone();
    assert_eq!(
        state["backup_pool"],
        json!({ "enabled": true, "target": 5, "ready": 5, "active_pulled": 0 })
    );
    assert_eq!(
        state["codes_on_lock"].as_array().unwrap().len(),
        6,
        "the code and five backups"
    );
    let (_, code) = app.code(id).await;
    assert_eq!(code["is_backup_access_code_available"], true);
    assert_eq!(code["status"], "unset");
    assert_eq!(code["is_scheduled_on_device"], true);
    let device = app.device_json(lock).await;
    assert_eq!(device["errors"], json!([]));

    // Unpulled backups are not listed, but can be read by id.
    let listed = app
        .ok("/access_codes/list", json!({ "device_id": lock }))
        .await;
    let listed = listed["access_codes"].as_array().unwrap();
    assert_eq!(listed.len(), 1);
    let backup_id = app.stored_codes(lock).await.iter().find(|c| c.1).unwrap().0;
    let (status, backup) = app.code(backup_id).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(backup["is_backup"], true);
    assert_eq!(backup["type"], "ongoing");
    assert_eq!(backup["name"], format!("Backup {backup_id} (Seam)"));
    assert_eq!(backup["is_backup_access_code_available"], false);
}

#[sqlx::test]
async fn pull_links_one_backup_and_refills(pool: PgPool) {
    let app = TestApp::start(pool).await;
    let lock = app.device("yale_back_door");
    let id = app
        .pool_code(lock, Duration::hours(1), Duration::days(2))
        .await;
    app.settle().await;
    let (_, original) = app.code(id).await;

    app.clock.advance(Duration::seconds(7));
    let pulled = app
        .ok(
            "/access_codes/pull_backup_access_code",
            json!({ "access_code_id": id }),
        )
        .await;
    let backup = &pulled["access_code"];
    assert_eq!(
        pulled["backup_access_code"], *backup,
        "both response keys carry the backup"
    );
    assert_eq!(backup["is_backup"], true);
    assert_eq!(backup["type"], "time_bound");
    assert_eq!(backup["status"], "set");
    assert_eq!(backup["starts_at"], app.at(Duration::zero()));
    assert_eq!(backup["ends_at"], original["ends_at"]);
    let backup_id: Uuid = backup["access_code_id"].as_str().unwrap().parse().unwrap();
    assert_eq!(backup["name"], format!("Backup {backup_id} (Seam)"));
    assert_ne!(backup["code"], original["code"]);

    let again = app
        .ok(
            "/access_codes/pull_backup_access_code",
            json!({ "access_code_id": id }),
        )
        .await;
    assert_eq!(
        again["access_code"]["access_code_id"],
        backup["access_code_id"]
    );

    let (_, original) = app.code(id).await;
    assert_eq!(
        original["pulled_backup_access_code_id"],
        backup["access_code_id"]
    );
    assert!(has_condition(
        &original["warnings"],
        "warning_code",
        "using_backup_access_code"
    ));
    assert_eq!(original["is_backup_access_code_available"], true);

    let events = app
        .ok("/events/list", json!({ "since": app.at(-Duration::days(1)), "event_type": "access_code.backup_access_code_pulled" }))
        .await;
    let events = events["events"].as_array().unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["access_code_id"], id.to_string());
    assert_eq!(events[0]["backup_access_code_id"], backup_id.to_string());

    assert_eq!(app.ready_backups(lock).await, 4);
    app.settle().await;
    assert_eq!(app.ready_backups(lock).await, 5, "a pull is refilled");
    // The pulled backup is now a listed code of the device.
    let listed = app
        .ok("/access_codes/list", json!({ "device_id": lock }))
        .await;
    assert_eq!(listed["access_codes"].as_array().unwrap().len(), 2);
}

#[sqlx::test]
async fn pull_refuses_what_it_cannot_serve(pool: PgPool) {
    let app = TestApp::start(pool).await;
    let lock = app.device("august_front_door");
    let ongoing = app
        .ok(
            "/access_codes/create",
            json!({ "device_id": lock, "code": "4321" }),
        )
        .await;
    let ongoing_id = ongoing["access_code"]["access_code_id"].clone();

    // No pool on the device yet.
    let (s, v) = app
        .post(
            "/access_codes/pull_backup_access_code",
            json!({ "access_code_id": ongoing_id }),
        )
        .await;
    assert_error(s, &v, StatusCode::BAD_REQUEST, "access_code_not_time_bound");
    let plain = app
        .ok("/access_codes/create", json!({ "device_id": lock, "starts_at": app.at(Duration::hours(1)), "ends_at": app.at(Duration::hours(5)) }))
        .await;
    let plain_id = plain["access_code"]["access_code_id"].clone();
    let (s, v) = app
        .post(
            "/access_codes/pull_backup_access_code",
            json!({ "access_code_id": plain_id }),
        )
        .await;
    assert_error(
        s,
        &v,
        StatusCode::BAD_REQUEST,
        "backup_access_code_pool_not_enabled",
    );

    // Pool enabled but nothing programmed yet: an error, not a made-up code.
    let id = app
        .pool_code(lock, Duration::hours(1), Duration::days(1))
        .await;
    let (s, v) = app
        .post(
            "/access_codes/pull_backup_access_code",
            json!({ "access_code_id": id }),
        )
        .await;
    assert_error(
        s,
        &v,
        StatusCode::BAD_REQUEST,
        "no_backup_access_code_available",
    );

    app.settle().await;
    let backup = app
        .ok(
            "/access_codes/pull_backup_access_code",
            json!({ "access_code_id": id }),
        )
        .await;
    let (s, v) = app
        .post(
            "/access_codes/pull_backup_access_code",
            json!({ "access_code_id": backup["access_code"]["access_code_id"] }),
        )
        .await;
    assert_error(s, &v, StatusCode::BAD_REQUEST, "access_code_is_backup");

    let (s, v) = app
        .post(
            "/access_codes/pull_backup_access_code",
            json!({ "access_code_id": Uuid::new_v4() }),
        )
        .await;
    assert_error(s, &v, StatusCode::NOT_FOUND, "access_code_not_found");

    // Another workspace cannot pull for this code, nor see that it exists.
    let (_, other_key) = app.other_workspace(true).await;
    let (s, v) = app
        .post_as(
            &other_key,
            "/access_codes/pull_backup_access_code",
            json!({ "access_code_id": id }),
        )
        .await;
    assert_error(s, &v, StatusCode::NOT_FOUND, "access_code_not_found");

    // A device without pool support refuses activation.
    let lockly = app.device("lockly_side_door");
    let (s, v) = app
        .post(
            "/access_codes/create",
            json!({ "device_id": lockly, "starts_at": app.at(Duration::hours(1)), "ends_at": app.at(Duration::hours(2)), "use_backup_access_code_pool": true }),
        )
        .await;
    assert_error(
        s,
        &v,
        StatusCode::BAD_REQUEST,
        "device_does_not_support_backup_access_code_pool",
    );
    let (s, v) = app
        .post(
            "/access_codes/create",
            json!({ "device_id": lock, "use_backup_access_code_pool": true }),
        )
        .await;
    assert_error(s, &v, StatusCode::BAD_REQUEST, "invalid_input");
    assert!(v["error"]["validation_errors"]["use_backup_access_code_pool"].is_object());
}

#[sqlx::test]
async fn concurrent_pulls_for_different_codes_never_share_and_stop_at_pool_size(pool: PgPool) {
    let app = TestApp::start(pool).await;
    let lock = app.device("schlage_garage");
    let mut ids = Vec::new();
    for _ in 0..12 {
        ids.push(
            app.pool_code(lock, Duration::hours(1), Duration::days(3))
                .await,
        );
    }
    app.settle().await;
    assert_eq!(app.ready_backups(lock).await, 5);

    let pulls = ids.iter().map(|id| {
        app.post(
            "/access_codes/pull_backup_access_code",
            json!({ "access_code_id": id }),
        )
    });
    let results = futures::future::join_all(pulls).await;
    let mut handed_out = Vec::new();
    for (status, body) in &results {
        match *status {
            StatusCode::OK => handed_out.push(
                body["access_code"]["access_code_id"]
                    .as_str()
                    .unwrap()
                    .to_string(),
            ),
            StatusCode::BAD_REQUEST => {
                assert_eq!(error_type(body), "no_backup_access_code_available")
            }
            other => panic!("unexpected {other}: {body}"),
        }
    }
    assert_eq!(
        handed_out.len(),
        5,
        "exactly the pool's backups are handed out"
    );
    let mut unique = handed_out.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 5, "no backup is handed to two codes");

    let stored = app.stored_codes(lock).await;
    let links: Vec<Uuid> = stored.iter().filter_map(|c| c.2).collect();
    let mut distinct = links.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(links.len(), distinct.len(), "no original holds two backups");
    app.settle().await;
    assert_eq!(app.ready_backups(lock).await, 5);
}

#[sqlx::test]
async fn concurrent_pulls_for_one_code_return_one_backup(pool: PgPool) {
    let app = TestApp::start(pool).await;
    let lock = app.device("august_front_door");
    let id = app
        .pool_code(lock, Duration::hours(1), Duration::days(3))
        .await;
    app.settle().await;
    let pulls = (0..16).map(|_| {
        app.post(
            "/access_codes/pull_backup_access_code",
            json!({ "access_code_id": id }),
        )
    });
    let results = futures::future::join_all(pulls).await;
    let first = results[0].1["access_code"]["access_code_id"].clone();
    for (status, body) in &results {
        assert_eq!(*status, StatusCode::OK, "{body}");
        assert_eq!(body["access_code"]["access_code_id"], first);
    }
    let pulled = app
        .stored_codes(lock)
        .await
        .iter()
        .filter(|c| c.2.is_some())
        .count();
    assert_eq!(pulled, 1);
}

#[sqlx::test]
async fn workers_racing_on_one_device_never_overshoot(pool: PgPool) {
    let app = TestApp::start(pool).await;
    let lock = app.device("august_front_door");
    let mut ids = Vec::new();
    for _ in 0..6 {
        ids.push(
            app.pool_code(lock, Duration::hours(1), Duration::days(3))
                .await,
        );
    }
    let workers: Vec<_> = (0..4)
        .map(|_| seam_emulator::worker::Worker::new(app.state.clone()))
        .collect();
    for (round, id) in ids.iter().enumerate() {
        let runs = workers.iter().map(|w| w.run_until_idle());
        for r in futures::future::join_all(runs).await {
            r.unwrap();
        }
        let unpulled = app
            .stored_codes(lock)
            .await
            .iter()
            .filter(|c| c.1 && c.2.is_none())
            .count();
        assert!(unpulled <= 5, "round {round}: {unpulled} unpulled backups");
        assert_eq!(app.ready_backups(lock).await, 5);
        app.ok(
            "/access_codes/pull_backup_access_code",
            json!({ "access_code_id": id }),
        )
        .await;
    }
}

#[sqlx::test]
async fn an_interrupted_pass_is_redone_without_duplicates(pool: PgPool) {
    let app = TestApp::start(pool).await;
    let lock = app.device("august_front_door");
    app.pool_code(lock, Duration::hours(1), Duration::days(3))
        .await;

    // A worker claims the job and does the whole pass, then dies before committing.
    {
        let mut tx = app.state.pool.begin().await.unwrap();
        let now = app.now();
        let job = seam_emulator::db::jobs::claim(&mut tx, now)
            .await
            .unwrap()
            .expect("a job is due");
        let device = seam_emulator::db::devices::lock_any_workspace(&mut tx, job.device_id)
            .await
            .unwrap()
            .unwrap();
        seam_emulator::worker::reconcile::reconcile(&mut tx, device, &app.state.behaviour, now)
            .await
            .unwrap();
        // The process dies here: its connection closes and Postgres aborts the transaction.
        tx.rollback().await.unwrap();
    }
    assert_eq!(
        app.stored_codes(lock).await.iter().filter(|c| c.1).count(),
        0
    );
    app.settle().await;
    let stored = app.stored_codes(lock).await;
    assert_eq!(stored.iter().filter(|c| c.1).count(), 5);
    assert!(stored.iter().all(|c| c.3), "every code is on the lock");
    let jobs: i64 = sqlx::query_scalar("SELECT count(*) FROM device_jobs WHERE run_at <= $1")
        .bind(app.now())
        .fetch_one(&app.state.pool)
        .await
        .unwrap();
    assert_eq!(jobs, 0, "no due job is left behind");
}

#[sqlx::test]
async fn the_backup_follows_its_original(pool: PgPool) {
    let app = TestApp::start(pool).await;
    let lock = app.device("august_front_door");
    let id = app
        .pool_code(lock, Duration::minutes(10), Duration::hours(5))
        .await;
    app.settle().await;
    let (_, backup_id) = app.pull(id).await;

    // Moving the original's end moves the backup's.
    let new_end = app.at(Duration::hours(8));
    app.ok(
        "/access_codes/update",
        json!({ "access_code_id": id, "ends_at": new_end }),
    )
    .await;
    let (_, backup) = app.code(backup_id).await;
    assert_eq!(backup["ends_at"], new_end);

    // At the end both leave the lock and are gone.
    app.advance(Duration::minutes(10)).await;
    let (_, original) = app.code(id).await;
    assert_eq!(original["status"], "set");
    app.advance(Duration::hours(8)).await;
    assert_eq!(app.code(id).await.0, StatusCode::NOT_FOUND);
    assert_eq!(app.code(backup_id).await.0, StatusCode::NOT_FOUND);
    let events = app
        .ok(
            "/events/list",
            json!({ "since": app.at(-Duration::days(1)), "access_code_id": backup_id }),
        )
        .await;
    let types: Vec<&str> = events["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event_type"].as_str().unwrap())
        .collect();
    assert!(
        types.contains(&"access_code.removed_from_device"),
        "{types:?}"
    );
    assert!(types.contains(&"access_code.deleted"), "{types:?}");
    assert_eq!(app.ready_backups(lock).await, 5, "the pool itself stays");
}

#[sqlx::test]
async fn deleting_the_original_removes_its_backup(pool: PgPool) {
    let app = TestApp::start(pool).await;
    let lock = app.device("august_front_door");
    let id = app
        .pool_code(lock, Duration::minutes(10), Duration::hours(5))
        .await;
    app.settle().await;
    let (_, backup_id) = app.pull(id).await;
    let deleted = app
        .ok("/access_codes/delete", json!({ "access_code_id": id }))
        .await;
    assert_eq!(deleted["action_attempt"]["status"], "pending");
    assert_eq!(app.code(id).await.1["status"], "removing");
    app.settle().await;
    assert_eq!(app.code(id).await.0, StatusCode::NOT_FOUND);
    assert_eq!(app.code(backup_id).await.0, StatusCode::NOT_FOUND);
    let attempt = app
        .ok(
            "/action_attempts/get",
            json!({ "action_attempt_id": deleted["action_attempt"]["action_attempt_id"] }),
        )
        .await;
    assert_eq!(attempt["action_attempt"]["status"], "success");
}

#[sqlx::test]
async fn a_failing_lock_warns_then_fails_and_a_backup_saves_the_guest(pool: PgPool) {
    let app = TestApp::start(pool).await;
    let lock = app.device("yale_back_door");
    app.pool_code(lock, Duration::hours(1), Duration::days(2))
        .await;
    app.settle().await;
    app.ok("/devices/simulate/disconnect", json!({ "device_id": lock }))
        .await;
    let device = app.device_json(lock).await;
    assert_eq!(device["properties"]["online"], false);
    assert!(has_condition(
        &device["errors"],
        "error_code",
        "device_disconnected"
    ));

    let created = app
        .ok("/access_codes/create", json!({ "device_id": lock, "name": "guest", "starts_at": app.at(Duration::zero()), "ends_at": app.at(Duration::days(1)), "use_backup_access_code_pool": true }))
        .await;
    let id = id_of(&created["access_code"], "access_code_id");
    let attempt_id = created["action_attempt"]["action_attempt_id"].clone();
    app.settle().await;
    let (_, code) = app.code(id).await;
    assert_eq!(code["status"], "setting");
    assert_eq!(code["warnings"], json!([]));

    app.advance(Duration::milliseconds(1000)).await;
    let (_, code) = app.code(id).await;
    assert!(
        has_condition(
            &code["warnings"],
            "warning_code",
            "delay_in_setting_on_device"
        ),
        "{code}"
    );
    assert!(!has_condition(
        &code["errors"],
        "error_code",
        "failed_to_set_on_device"
    ));

    app.advance(Duration::milliseconds(2000)).await;
    let (_, code) = app.code(id).await;
    assert!(
        has_condition(&code["errors"], "error_code", "failed_to_set_on_device"),
        "{code}"
    );
    let failed_at = code["errors"][0]["created_at"].clone();
    let attempt = app
        .ok(
            "/action_attempts/get",
            json!({ "action_attempt_id": attempt_id }),
        )
        .await;
    assert_eq!(attempt["action_attempt"]["status"], "error");
    let events = app
        .ok("/events/list", json!({ "since": app.at(-Duration::days(1)), "event_types": ["access_code.failed_to_set_on_device"] }))
        .await;
    assert_eq!(events["events"].as_array().unwrap().len(), 1);
    assert_eq!(events["events"][0]["access_code_id"], id.to_string());

    // The pool was filled before the lock went offline: the guest gets a working code.
    let pulled = app
        .ok(
            "/access_codes/pull_backup_access_code",
            json!({ "access_code_id": id }),
        )
        .await;
    assert_eq!(pulled["access_code"]["ends_at"], code["ends_at"]);

    // Later reads keep the condition's start time.
    app.advance(Duration::seconds(30)).await;
    let (_, code) = app.code(id).await;
    assert_eq!(code["errors"][0]["created_at"], failed_at);

    app.ok("/devices/simulate/connect", json!({ "device_id": lock }))
        .await;
    app.settle().await;
    let (_, code) = app.code(id).await;
    assert_eq!(code["status"], "set");
    assert_eq!(code["errors"], json!([]));
    let device = app.device_json(lock).await;
    assert!(!has_condition(
        &device["errors"],
        "error_code",
        "device_disconnected"
    ));
    assert_eq!(app.ready_backups(lock).await, 5);
}

#[sqlx::test]
async fn primary_codes_take_slots_before_backups(pool: PgPool) {
    let app = TestApp::start(pool).await;
    let lock = app.device("august_front_door");
    app.ok(
        "/_fake/devices/set_slot_count",
        json!({ "device_id": lock, "max_active_codes_supported": 7 }),
    )
    .await;
    app.pool_code(lock, Duration::hours(1), Duration::days(2))
        .await;
    app.settle().await;
    assert_eq!(app.ready_backups(lock).await, 5);

    // Two more primaries: the lock has one free slot, so one backup makes room.
    for code in ["1111", "2222"] {
        app.ok(
            "/access_codes/create",
            json!({ "device_id": lock, "code": code }),
        )
        .await;
    }
    app.settle().await;
    let stored = app.stored_codes(lock).await;
    assert_eq!(stored.iter().filter(|c| c.3).count(), 7, "the lock is full");
    assert!(
        stored
            .iter()
            .filter(|c| !c.1)
            .all(|c| c.3 && c.4 == "set" || c.4 == "unset"),
        "{stored:?}"
    );
    assert_eq!(app.ready_backups(lock).await, 4);
    let device = app.device_json(lock).await;
    assert!(
        has_condition(
            &device["warnings"],
            "warning_code",
            "partial_backup_access_code_pool"
        ),
        "{device}"
    );

    // Space returns: the pool refills and the warning clears.
    app.ok(
        "/_fake/devices/set_slot_count",
        json!({ "device_id": lock, "max_active_codes_supported": 20 }),
    )
    .await;
    app.settle().await;
    assert_eq!(app.ready_backups(lock).await, 5);
    let device = app.device_json(lock).await;
    assert_eq!(device["warnings"], json!([]));
}

#[sqlx::test]
async fn a_full_lock_reports_no_space(pool: PgPool) {
    let app = TestApp::start(pool).await;
    let lock = app.device("lockly_side_door");
    app.ok(
        "/_fake/devices/set_slot_count",
        json!({ "device_id": lock, "max_active_codes_supported": 1 }),
    )
    .await;
    app.ok(
        "/access_codes/create",
        json!({ "device_id": lock, "code": "123456" }),
    )
    .await;
    app.advance(Duration::milliseconds(10)).await;
    let second = app
        .ok(
            "/access_codes/create",
            json!({ "device_id": lock, "code": "654321" }),
        )
        .await;
    app.settle().await;
    let (_, code) = app
        .code(id_of(&second["access_code"], "access_code_id"))
        .await;
    assert_eq!(code["status"], "setting");
    assert!(
        has_condition(
            &code["errors"],
            "error_code",
            "no_space_for_access_code_on_device"
        ),
        "{code}"
    );
}

#[sqlx::test]
async fn pool_warnings_and_errors_track_the_pool(pool: PgPool) {
    let app = TestApp::start(pool).await;
    let lock = app.device("august_front_door");
    let mut ids = Vec::new();
    for _ in 0..3 {
        ids.push(
            app.pool_code(lock, Duration::hours(1), Duration::days(2))
                .await,
        );
    }
    app.settle().await;
    app.ok("/devices/simulate/disconnect", json!({ "device_id": lock }))
        .await;
    for id in &ids {
        app.ok(
            "/access_codes/pull_backup_access_code",
            json!({ "access_code_id": id }),
        )
        .await;
    }
    app.settle().await;
    let device = app.device_json(lock).await;
    assert!(
        has_condition(
            &device["warnings"],
            "warning_code",
            "many_active_backup_codes"
        ),
        "{device}"
    );
    assert!(
        has_condition(
            &device["warnings"],
            "warning_code",
            "partial_backup_access_code_pool"
        ),
        "{device}"
    );
    let partial_since = device["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["warning_code"] == "partial_backup_access_code_pool")
        .unwrap()["created_at"]
        .clone();

    // Drain the rest while offline: the pool is empty.
    app.clock.advance(Duration::seconds(1));
    for _ in 0..2 {
        let id = app
            .pool_code(lock, Duration::hours(1), Duration::days(2))
            .await;
        app.ok(
            "/access_codes/pull_backup_access_code",
            json!({ "access_code_id": id }),
        )
        .await;
    }
    app.advance(Duration::seconds(5)).await;
    let device = app.device_json(lock).await;
    assert!(
        has_condition(
            &device["errors"],
            "error_code",
            "empty_backup_access_code_pool"
        ),
        "{device}"
    );
    let empty_since = device["errors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["error_code"] == "empty_backup_access_code_pool")
        .unwrap()["created_at"]
        .clone();
    assert_ne!(empty_since, partial_since);
    app.advance(Duration::seconds(5)).await;
    let device = app.device_json(lock).await;
    let again = device["errors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["error_code"] == "empty_backup_access_code_pool")
        .unwrap()["created_at"]
        .clone();
    assert_eq!(again, empty_since, "created_at is when the condition began");

    app.ok("/devices/simulate/connect", json!({ "device_id": lock }))
        .await;
    app.settle().await;
    let device = app.device_json(lock).await;
    assert!(!has_condition(
        &device["errors"],
        "error_code",
        "empty_backup_access_code_pool"
    ));
    assert!(!has_condition(
        &device["warnings"],
        "warning_code",
        "partial_backup_access_code_pool"
    ));
    assert_eq!(app.ready_backups(lock).await, 5);
}

#[sqlx::test]
async fn turning_the_pool_off_and_unmanaging(pool: PgPool) {
    let app = TestApp::start(pool).await;
    let lock = app.device("august_front_door");
    let id = app
        .pool_code(lock, Duration::hours(1), Duration::days(2))
        .await;
    app.settle().await;
    let (_, backup_id) = app.pull(id).await;

    app.ok(
        "/devices/update",
        json!({ "device_id": lock, "backup_access_code_pool_enabled": false }),
    )
    .await;
    app.settle().await;
    assert_eq!(app.ready_backups(lock).await, 0);
    assert_eq!(
        app.code(backup_id).await.0,
        StatusCode::OK,
        "a pulled backup lives on"
    );
    let (_, code) = app.code(id).await;
    assert_eq!(code["is_backup_access_code_available"], false);
    assert_eq!(app.device_json(lock).await["errors"], json!([]));

    app.ok(
        "/devices/update",
        json!({ "device_id": lock, "backup_access_code_pool_enabled": true }),
    )
    .await;
    app.settle().await;
    assert_eq!(app.ready_backups(lock).await, 5);

    app.ok(
        "/devices/update",
        json!({ "device_id": lock, "is_managed": false }),
    )
    .await;
    app.settle().await;
    assert!(
        app.stored_codes(lock).await.iter().all(|c| !c.1),
        "every backup is removed"
    );
    let (s, _) = app.post("/devices/get", json!({ "device_id": lock })).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, v) = app
        .post("/devices/update", json!({ "device_id": lock, "name": "x" }))
        .await;
    assert_error(s, &v, StatusCode::BAD_REQUEST, "device_not_managed");
    let unmanaged = app
        .ok("/access_codes/unmanaged/list", json!({ "device_id": lock }))
        .await;
    assert_eq!(unmanaged["access_codes"].as_array().unwrap().len(), 1);
    assert_eq!(
        unmanaged["access_codes"][0]["access_code_id"],
        id.to_string()
    );

    app.ok(
        "/devices/unmanaged/update",
        json!({ "device_id": lock, "is_managed": true }),
    )
    .await;
    let device = app.device_json(lock).await;
    assert_eq!(
        device["properties"]["backup_access_code_pool_enabled"],
        false
    );
}

#[sqlx::test]
async fn a_flaky_lock_raises_each_condition_once_with_a_stable_start(pool: PgPool) {
    let app = TestApp::start(pool).await;
    let lock = app.device("august_front_door");
    app.ok(
        "/_fake/devices/fail_next_attempts",
        json!({ "device_id": lock, "count": 1000 }),
    )
    .await;
    let created = app
        .ok(
            "/access_codes/create",
            json!({ "device_id": lock, "code": "7777" }),
        )
        .await;
    let id = id_of(&created["access_code"], "access_code_id");
    let mut first_warning = None;
    for _ in 0..20 {
        app.advance(Duration::milliseconds(500)).await;
        let (_, code) = app.code(id).await;
        if let Some(w) = code["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|w| w["warning_code"] == "delay_in_setting_on_device")
        {
            let since = w["created_at"].clone();
            assert_eq!(
                *first_warning.get_or_insert(since.clone()),
                since,
                "the delay began once"
            );
        }
    }
    assert!(first_warning.is_some());
    let events = app
        .ok(
            "/events/list",
            json!({ "since": app.at(-Duration::days(1)), "access_code_id": id }),
        )
        .await;
    let count = |t: &str| {
        events["events"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["event_type"] == t)
            .count()
    };
    assert_eq!(count("access_code.delay_in_setting_on_device"), 1);
    assert_eq!(count("access_code.failed_to_set_on_device"), 1);

    app.ok(
        "/_fake/devices/fail_next_attempts",
        json!({ "device_id": lock, "count": 0 }),
    )
    .await;
    app.settle().await;
    let (_, code) = app.code(id).await;
    assert_eq!(code["status"], "set");
    assert_eq!(
        (code["errors"].clone(), code["warnings"].clone()),
        (json!([]), json!([]))
    );
}

#[sqlx::test]
async fn an_original_keeps_its_backup_and_loses_the_warning_with_it(pool: PgPool) {
    let app = TestApp::start(pool).await;
    let lock = app.device("august_front_door");
    let id = app
        .pool_code(lock, Duration::hours(1), Duration::days(2))
        .await;
    app.settle().await;
    let first = app
        .ok(
            "/access_codes/pull_backup_access_code",
            json!({ "access_code_id": id }),
        )
        .await;
    app.ok(
        "/devices/update",
        json!({ "device_id": lock, "backup_access_code_pool_enabled": false }),
    )
    .await;
    let again = app
        .ok(
            "/access_codes/pull_backup_access_code",
            json!({ "access_code_id": id }),
        )
        .await;
    assert_eq!(
        again["access_code"]["access_code_id"], first["access_code"]["access_code_id"],
        "same backup with the pool off"
    );

    app.ok(
        "/access_codes/delete",
        json!({ "access_code_id": first["access_code"]["access_code_id"] }),
    )
    .await;
    app.settle().await;
    let (_, original) = app.code(id).await;
    assert_eq!(
        original["pulled_backup_access_code_id"],
        serde_json::Value::Null
    );
    assert!(
        !has_condition(
            &original["warnings"],
            "warning_code",
            "using_backup_access_code"
        ),
        "{original}"
    );
}
