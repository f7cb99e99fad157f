//! The real binary as users run it: start-up, restart persistence, two instances on one
//! database, and `kill -9` in the middle of pulls and refills.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use uuid::Uuid;

const KEY: &str = "seam_process_test_key";

/// A fresh database name on the test server.
fn fresh_database_url() -> String {
    let base = std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let (server, _) = base.rsplit_once('/').expect("DATABASE_URL has a database");
    format!("{server}/process_{}", Uuid::new_v4().simple())
}

struct Server {
    child: Child,
    url: String,
    _output: std::sync::mpsc::Receiver<String>,
}

fn start(database_url: &str) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_seam-emulator"))
        .env("DATABASE_URL", database_url)
        .env("SEAM_EMULATOR_BIND", "127.0.0.1:0")
        .env("SEAM_EMULATOR_SANDBOX_API_KEY", KEY)
        .env("SEAM_EMULATOR_PROGRAMMING_LATENCY_MS", "20")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn seam-emulator");
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let Ok(line) = rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) else {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the server did not print its address within 60 s");
        };
        if let Some(url) = line.strip_prefix("listening on ") {
            return Server {
                child,
                url: url.to_string(),
                _output: rx,
            };
        }
    }
}

impl Server {
    fn kill9(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    /// SIGTERM, and the process must exit 0 within 10 s.
    fn stop(mut self) {
        let pid = self.child.id().to_string();
        Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                assert!(status.success(), "graceful shutdown exits 0, got {status}");
                return;
            }
            assert!(
                Instant::now() < deadline,
                "the server did not stop within 10 s of SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // A failed test must not leave servers behind.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn call(client: &reqwest::Client, base: &str, path: &str, body: Value) -> (u16, Value) {
    match client
        .post(format!("{base}{path}"))
        .bearer_auth(KEY)
        .json(&body)
        .send()
        .await
    {
        Ok(res) => {
            let status = res.status().as_u16();
            (status, res.json().await.unwrap_or(Value::Null))
        }
        Err(_) => (0, Value::Null),
    }
}

async fn seed(client: &reqwest::Client, base: &str) -> Value {
    let (status, v) = call(client, base, "/_fake/default_seed", json!({})).await;
    assert_eq!(status, 200, "{v}");
    v
}

fn iso(offset: chrono::Duration) -> String {
    seam_emulator::clock::format_ts(chrono::Utc::now() + offset)
}

async fn drop_database(url: &str) {
    let (server, name) = url.rsplit_once('/').unwrap();
    if let Ok(pool) = sqlx::PgPool::connect(&format!("{server}/postgres")).await {
        let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
            .execute(&pool)
            .await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_keeps_every_row_and_the_seed_is_not_repeated() {
    let db = fresh_database_url();
    let client = reqwest::Client::new();
    let server = start(&db);
    let seed1 = seed(&client, &server.url).await;
    let device = seed1["devices"]["august_front_door"]
        .as_str()
        .unwrap()
        .to_string();
    let (status, created) = call(
        &client,
        &server.url,
        "/access_codes/create",
        json!({ "device_id": device, "code": "2468", "name": "kept" }),
    )
    .await;
    assert_eq!(status, 200, "{created}");
    let id = created["access_code"]["access_code_id"].clone();
    server.stop();

    let server = start(&db);
    let seed2 = seed(&client, &server.url).await;
    assert_eq!(seed1, seed2, "same workspace, same device ids");
    let (status, got) = call(
        &client,
        &server.url,
        "/access_codes/get",
        json!({ "access_code_id": id }),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(got["access_code"]["name"], "kept");
    let (_, devices) = call(&client, &server.url, "/devices/list", json!({})).await;
    assert_eq!(
        devices["devices"].as_array().unwrap().len(),
        6,
        "seeding did not repeat"
    );
    server.stop();
    drop_database(&db).await;
}

#[test]
fn an_unreachable_database_is_named_and_exits_non_zero() {
    let out = Command::new(env!("CARGO_BIN_EXE_seam-emulator"))
        .env(
            "DATABASE_URL",
            "postgres://postgres:secret@127.0.0.1:1/nothing",
        )
        .env("SEAM_EMULATOR_BIND", "127.0.0.1:0")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("127.0.0.1:1"), "{stderr}");
    assert!(stderr.contains("DATABASE_URL"), "{stderr}");
    assert!(
        !stderr.contains("secret"),
        "the password is not printed: {stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

/// Three instances share one database; one is killed with SIGKILL in the middle of pulls and
/// refills and restarted. Every pull that answered 200 is durable, no backup serves two
/// codes, no code holds two backups, and the pool returns to its target.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_during_pulls_on_three_instances_keeps_the_pool_invariants() {
    let db = fresh_database_url();
    let client = reqwest::Client::new();
    let a = start(&db);
    let b = start(&db);
    let c = start(&db);
    let seed = seed(&client, &a.url).await;
    let device = seed["devices"]["schlage_garage"]
        .as_str()
        .unwrap()
        .to_string();

    let mut codes = Vec::new();
    for _ in 0..12 {
        let (status, v) = call(
            &client,
            &a.url,
            "/access_codes/create",
            json!({ "device_id": device, "starts_at": iso(chrono::Duration::hours(1)), "ends_at": iso(chrono::Duration::days(2)), "use_backup_access_code_pool": true }),
        )
        .await;
        assert_eq!(status, 200, "{v}");
        codes.push(
            v["access_code"]["access_code_id"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }

    // Pull for every code through both instances while refills run; kill A part-way.
    let b_url = b.url.clone();
    let a_url = a.url.clone();
    let mut pulls = Vec::new();
    for (i, code) in codes.iter().enumerate() {
        let base = if i % 2 == 0 {
            a_url.clone()
        } else {
            b_url.clone()
        };
        let client = client.clone();
        let code = code.clone();
        pulls.push(tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(40 * i as u64)).await;
            let mut answers = Vec::new();
            for _ in 0..2 {
                answers.push(
                    call(
                        &client,
                        &base,
                        "/access_codes/pull_backup_access_code",
                        json!({ "access_code_id": code }),
                    )
                    .await,
                );
            }
            (code, answers)
        }));
    }
    tokio::time::sleep(Duration::from_millis(450)).await;
    a.kill9();
    let a = start(&db);

    let mut promised: Vec<(String, String)> = Vec::new();
    for p in pulls {
        let (code, answers) = p.await.unwrap();
        let mut seen: Option<String> = None;
        for (status, body) in answers {
            if status == 200 {
                let backup = body["access_code"]["access_code_id"]
                    .as_str()
                    .unwrap()
                    .to_string();
                if let Some(prev) = &seen {
                    assert_eq!(prev, &backup, "one code, one backup");
                }
                seen = Some(backup);
            } else {
                assert!(
                    matches!(status, 0 | 400 | 503),
                    "pull answered {status}: {body}"
                );
            }
        }
        if let Some(backup) = seen {
            promised.push((code, backup));
        }
    }
    assert!(!promised.is_empty(), "some pulls succeeded");

    let pool = sqlx::PgPool::connect(&db).await.unwrap();
    for (code, backup) in &promised {
        let linked: Option<String> = sqlx::query_scalar(
            "SELECT backup_for_access_code_id::text FROM access_codes WHERE access_code_id = $1::uuid",
        )
        .bind(backup)
        .fetch_optional(&pool)
        .await
        .unwrap()
        .flatten();
        assert_eq!(
            linked.as_deref(),
            Some(code.as_str()),
            "a pull that answered 200 is durable"
        );
    }
    let shared: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM (SELECT backup_for_access_code_id FROM access_codes \
         WHERE backup_for_access_code_id IS NOT NULL GROUP BY 1 HAVING count(*) > 1) t",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(shared, 0, "no original holds two backups");

    // The pool returns to its target (5) once the instances have refilled it.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let unpulled: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM access_codes WHERE device_id = $1::uuid AND is_backup \
             AND backup_for_access_code_id IS NULL AND is_on_lock AND status = 'set'",
        )
        .bind(&device)
        .fetch_one(&pool)
        .await
        .unwrap();
        assert!(unpulled <= 5, "the pool never overshoots: {unpulled}");
        if unpulled == 5 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "pool refilled to 5, stuck at {unpulled}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    pool.close().await;
    a.stop();
    b.stop();
    c.stop();
    drop_database(&db).await;
}

/// A TCP forwarder in front of PostgreSQL that can be taken down (refusing connections and
/// cutting open ones) and brought back on the same port: a database restart, as the server
/// sees it.
struct FlakyProxy {
    port: u16,
    up: std::sync::Arc<std::sync::atomic::AtomicBool>,
    generation: std::sync::Arc<tokio::sync::watch::Sender<u64>>,
}

impl FlakyProxy {
    async fn start(target: &'static str) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let up = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
        let (tx, _) = tokio::sync::watch::channel(0u64);
        let generation = std::sync::Arc::new(tx);
        let (flag, gen) = (up.clone(), generation.clone());
        tokio::spawn(async move {
            loop {
                let Ok((mut client, _)) = listener.accept().await else {
                    continue;
                };
                if !flag.load(std::sync::atomic::Ordering::SeqCst) {
                    drop(client);
                    continue;
                }
                let mut cut = gen.subscribe();
                tokio::spawn(async move {
                    let Ok(mut server) = tokio::net::TcpStream::connect(target).await else {
                        return;
                    };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
                        _ = cut.changed() => {}
                    }
                });
            }
        });
        FlakyProxy {
            port,
            up,
            generation,
        }
    }

    fn down(&self) {
        self.up.store(false, std::sync::atomic::Ordering::SeqCst);
        self.generation.send_modify(|g| *g += 1);
    }

    fn up(&self) {
        self.up.store(true, std::sync::atomic::Ordering::SeqCst);
    }
}

/// PostgreSQL goes away under load: requests fail fast with 503 in the envelope (never a 500
/// or a hang), and the server recovers by itself when the database is back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_outage_under_load_is_a_fast_503_and_heals_by_itself() {
    let db = fresh_database_url();
    let db_name = db.rsplit_once('/').unwrap().1.to_string();
    let proxy = FlakyProxy::start("127.0.0.1:5432").await;
    let via_proxy = format!("postgres://postgres@127.0.0.1:{}/{db_name}", proxy.port);
    let server = start(&via_proxy);
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap();
    let seed = seed(&client, &server.url).await;
    let device = seed["devices"]["august_front_door"].clone();

    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let outage = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut load = Vec::new();
    for worker in 0..4 {
        let (client, base, device) = (client.clone(), server.url.clone(), device.clone());
        let (stop, outage) = (stop.clone(), outage.clone());
        load.push(tokio::spawn(async move {
            let mut seen = Vec::new();
            while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                let started = Instant::now();
                let (path, body) = if worker % 2 == 0 {
                    ("/devices/get", json!({ "device_id": device }))
                } else {
                    (
                        "/access_codes/create",
                        json!({ "device_id": device, "name": "load" }),
                    )
                };
                let (status, v) = call(&client, &base, path, body).await;
                let during = outage.load(std::sync::atomic::Ordering::SeqCst);
                seen.push((
                    status,
                    v["error"]["type"].as_str().map(str::to_owned),
                    started.elapsed(),
                    during,
                ));
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            seen
        }));
    }
    tokio::time::sleep(Duration::from_millis(700)).await;
    outage.store(true, std::sync::atomic::Ordering::SeqCst);
    proxy.down();
    tokio::time::sleep(Duration::from_secs(4)).await;
    let (health_status, health) = {
        let res = client
            .get(format!("{}/health", server.url))
            .send()
            .await
            .unwrap();
        (res.status().as_u16(), res.json::<Value>().await.unwrap())
    };
    proxy.up();
    outage.store(false, std::sync::atomic::Ordering::SeqCst);

    // Recovery without a restart.
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let (status, _) = call(
            &client,
            &server.url,
            "/devices/get",
            json!({ "device_id": device }),
        )
        .await;
        if status == 200 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the server did not recover: {status}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    let mut all = Vec::new();
    for l in load {
        all.extend(l.await.unwrap());
    }
    assert_eq!(health_status, 503, "{health}");
    assert_eq!(health["error"]["type"], "service_unavailable");
    assert!(
        all.iter().all(|(s, ..)| *s != 500 && *s != 0),
        "no 500 and no dropped connection"
    );
    let failed: Vec<_> = all.iter().filter(|(s, ..)| *s != 200).collect();
    assert!(!failed.is_empty(), "the outage was felt");
    for (status, kind, took, _) in &failed {
        assert_eq!(
            (*status, kind.as_deref()),
            (503, Some("service_unavailable"))
        );
        assert!(*took < Duration::from_secs(5), "a 503 came after {took:?}");
    }
    assert!(all.iter().any(|(s, _, _, during)| *s == 503 && *during));
    server.stop();
    drop_database(&db).await;
}
