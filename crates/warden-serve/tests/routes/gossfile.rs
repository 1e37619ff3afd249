//! Gossfile mode: goss's `/healthz`, `/metrics`, the cache and single-flight.

use std::time::Duration;

use axum::Router;
use axum::http::StatusCode;
use warden_report::{Format, FormatOptions};
use warden_serve::{OnDemand, ServeSettings, ServeState, router};

use crate::support::{counting_gossfile, get, goss_testdata, load_gossfile, runs};

fn serve_gossfile(name: &str, format: Format, options: &[&str], cache: Duration) -> Router {
    let settings = ServeSettings {
        format,
        format_options: FormatOptions::parse(options),
        ..ServeSettings::default()
    };
    let runs = OnDemand {
        cache,
        ..OnDemand::default()
    };
    router(ServeState::gossfile(
        load_gossfile(&goss_testdata(name)),
        settings,
        runs,
    ))
}

/// goss's `TestServeNegotiatingContent` and `TestServeWithNoContentNegotiation`
/// tables: Accept values, process format, gossfile, expected status and Content-Type.
#[tokio::test]
async fn goss_negotiation_table() {
    let passing = "passing.goss.yaml";
    let failing = "failing.goss.yaml";
    let table: &[(&[&str], Format, &str, StatusCode, &str)] = &[
        (
            &[],
            Format::Json,
            passing,
            StatusCode::OK,
            "application/json",
        ),
        (
            &[],
            Format::Json,
            failing,
            StatusCode::SERVICE_UNAVAILABLE,
            "application/json",
        ),
        (
            &[],
            Format::Rspecish,
            failing,
            StatusCode::SERVICE_UNAVAILABLE,
            "application/vnd.goss-rspecish",
        ),
        (
            &[""],
            Format::Structured,
            passing,
            StatusCode::OK,
            "application/vnd.goss-structured",
        ),
        (
            &["application/json"],
            Format::Structured,
            passing,
            StatusCode::OK,
            "application/json",
        ),
        (
            &["text/json"],
            Format::Structured,
            passing,
            StatusCode::OK,
            "application/json",
        ),
        (
            &["application/vnd.goss-json"],
            Format::Structured,
            passing,
            StatusCode::OK,
            "application/json",
        ),
        (
            &["text/plain; version=0.0.4"],
            Format::Prometheus,
            passing,
            StatusCode::OK,
            "text/plain; version=0.0.4",
        ),
        (
            &["application/vnd.goss-rspecish"],
            Format::Structured,
            passing,
            StatusCode::OK,
            "application/vnd.goss-rspecish",
        ),
        (
            &["application/vnd.goss-nonexistent"],
            Format::Structured,
            passing,
            StatusCode::OK,
            "application/vnd.goss-structured",
        ),
        (
            &["application/vnd.goss-nonexistent", "application/json"],
            Format::Structured,
            passing,
            StatusCode::OK,
            "application/json",
        ),
    ];
    for (accept, format, gossfile, status, content_type) in table {
        let router = serve_gossfile(gossfile, *format, &[], Duration::from_secs(5));
        let answer = get(&router, "/healthz", accept).await;
        assert_eq!(
            (answer.status, answer.content_type.as_str()),
            (*status, *content_type),
            "Accept {accept:?}, --format {format}, {gossfile}:\n{}",
            answer.body
        );
    }
}

/// 200 for a passing gossfile in every format; 503 for a failing one except
/// `structured`, whose exit code is always 0 in goss.
#[tokio::test]
async fn status_follows_each_formats_exit_code() {
    let passing = serve_gossfile(
        "passing.goss.yaml",
        Format::Silent,
        &[],
        Duration::from_secs(60),
    );
    let failing = serve_gossfile(
        "failing.goss.yaml",
        Format::Silent,
        &[],
        Duration::from_secs(60),
    );
    for format in Format::ALL {
        let accept = format!("application/vnd.goss-{}", format.name());
        let answer = get(&passing, "/healthz", &[&accept]).await;
        assert_eq!(answer.status, StatusCode::OK, "{format}: {}", answer.body);
        let answer = get(&failing, "/healthz", &[&accept]).await;
        let expected = if format == Format::Structured {
            StatusCode::OK
        } else {
            StatusCode::SERVICE_UNAVAILABLE
        };
        assert_eq!(answer.status, expected, "{format}: {}", answer.body);
    }
}

/// The bodies goss's `run-serve-tests.sh` greps for, and colour forced off.
#[tokio::test]
async fn bodies_are_the_formats_output_without_colour() {
    let router = serve_gossfile(
        "passing.goss.yaml",
        Format::Rspecish,
        &[],
        Duration::from_secs(60),
    );
    let rspecish = get(&router, "/healthz", &[]).await;
    assert!(
        rspecish.body.contains("Count: 2, Failed: 0, Skipped: 0"),
        "{}",
        rspecish.body
    );
    assert!(!rspecish.body.contains('\x1b'), "{:?}", rspecish.body);
    let documentation = get(&router, "/healthz", &["application/vnd.goss-documentation"]).await;
    assert!(
        documentation
            .body
            .contains("Count: 2, Failed: 0, Skipped: 0")
    );
    let json = get(&router, "/healthz", &["application/json"]).await;
    assert_eq!(json.json()["summary"]["failed-count"], 0);

    let failing = serve_gossfile(
        "failing.goss.yaml",
        Format::Json,
        &["pretty"],
        Duration::from_secs(60),
    );
    let json = get(&failing, "/healthz", &[]).await;
    assert_eq!(json.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        json.body.contains("\n        \"failed-count\": 2"),
        "-o pretty applies: {}",
        json.body
    );
}

#[tokio::test]
async fn results_are_cached_for_the_ttl_then_run_again() {
    let dir = tempfile::tempdir().unwrap();
    let counter = dir.path().join("runs");
    let gossfile = counting_gossfile(dir.path(), "goss.yaml", &counter, "0", 0);
    let runs_setting = OnDemand {
        cache: Duration::from_secs(3),
        ..OnDemand::default()
    };
    let router = router(ServeState::gossfile(
        load_gossfile(&gossfile),
        ServeSettings::default(),
        runs_setting,
    ));
    assert_eq!(get(&router, "/healthz", &[]).await.status, StatusCode::OK);
    assert_eq!(runs(&counter), 1);
    // Other formats are rendered from the same cached results.
    get(&router, "/healthz", &["application/json"]).await;
    get(&router, "/healthz", &["application/vnd.goss-tap"]).await;
    get(&router, "/metrics", &[]).await;
    assert_eq!(runs(&counter), 1, "requests within the TTL reuse the run");
    tokio::time::sleep(Duration::from_millis(3300)).await;
    assert_eq!(get(&router, "/healthz", &[]).await.status, StatusCode::OK);
    assert_eq!(
        runs(&counter),
        2,
        "the first request after the TTL runs again"
    );
}

#[tokio::test]
async fn a_zero_cache_runs_for_every_request() {
    let dir = tempfile::tempdir().unwrap();
    let counter = dir.path().join("runs");
    let gossfile = counting_gossfile(dir.path(), "goss.yaml", &counter, "0", 0);
    let runs_setting = OnDemand {
        cache: Duration::ZERO,
        ..OnDemand::default()
    };
    let router = router(ServeState::gossfile(
        load_gossfile(&gossfile),
        ServeSettings::default(),
        runs_setting,
    ));
    for expected in 1..=3 {
        get(&router, "/healthz", &[]).await;
        assert_eq!(runs(&counter), expected);
    }
}

/// goss's `TestServeDeduplicatesConcurrentCacheMisses`: cold concurrent requests share
/// one run.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_cold_requests_share_one_run() {
    let dir = tempfile::tempdir().unwrap();
    let counter = dir.path().join("runs");
    let gossfile = counting_gossfile(dir.path(), "goss.yaml", &counter, "0.5", 0);
    let router = router(ServeState::gossfile(
        load_gossfile(&gossfile),
        ServeSettings::default(),
        OnDemand::default(),
    ));
    let mut requests = tokio::task::JoinSet::new();
    for index in 0..16 {
        let router = router.clone();
        let accept = if index % 2 == 0 {
            "application/json"
        } else {
            ""
        };
        requests.spawn(async move { get(&router, "/healthz", &[accept]).await.status });
    }
    let statuses = requests.join_all().await;
    assert!(
        statuses.iter().all(|s| *s == StatusCode::OK),
        "{statuses:?}"
    );
    assert_eq!(runs(&counter), 1, "16 concurrent requests, one run");
}

#[tokio::test]
async fn metrics_show_gosss_test_metrics_and_wardens_own() {
    let router = serve_gossfile("failing.goss.yaml", Format::Rspecish, &[], Duration::ZERO);
    get(&router, "/healthz", &[]).await;
    let metrics = get(&router, "/metrics", &[]).await;
    assert_eq!(metrics.status, StatusCode::OK);
    assert_eq!(
        metrics.content_type,
        "text/plain; version=0.0.4; charset=utf-8"
    );
    let body = &metrics.body;
    // Two runs so far (cache 0): one for /healthz, one for this scrape.
    for line in [
        "goss_tests_outcomes_total{outcome=\"fail\",type=\"command\"} 4",
        "goss_tests_run_outcomes_total{outcome=\"fail\"} 2",
        "warden_gossfile_runs_total 2",
        "warden_gossfile_passing 0",
        "# TYPE process_cpu_seconds_total counter",
        "# TYPE warden_gossfile_last_run_duration_seconds gauge",
    ] {
        assert!(body.lines().any(|l| l == line), "{line} missing:\n{body}");
    }

    // goss's prometheus format shows the same accumulated registry, with its status.
    let prometheus = get(&router, "/healthz", &["application/vnd.goss-prometheus"]).await;
    assert_eq!(prometheus.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(prometheus.content_type, "text/plain; version=0.0.4");
    assert!(
        prometheus
            .body
            .contains("goss_tests_run_outcomes_total{outcome=\"fail\"} 3"),
        "{}",
        prometheus.body
    );
    assert!(!prometheus.body.contains("warden_"), "{}", prometheus.body);
}

#[tokio::test]
async fn the_endpoint_is_configurable_and_other_paths_are_json_404s() {
    let settings = ServeSettings {
        endpoint: "/status/live".parse().unwrap(),
        ..ServeSettings::default()
    };
    let router = router(ServeState::gossfile(
        load_gossfile(&goss_testdata("passing.goss.yaml")),
        settings,
        OnDemand::default(),
    ));
    assert_eq!(
        get(&router, "/status/live", &[]).await.status,
        StatusCode::OK
    );
    for path in ["/healthz", "/policies", "/policies/X", "/nope"] {
        let answer = get(&router, path, &[]).await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(answer.content_type, "application/json");
        assert_eq!(answer.json()["error"], format!("no endpoint at {path}"));
    }
}

#[tokio::test]
async fn head_is_answered_like_get_and_other_methods_are_refused() {
    use axum::body::Body;
    use axum::http::{Method, Request};
    use tower::ServiceExt;

    let router = serve_gossfile(
        "failing.goss.yaml",
        Format::Rspecish,
        &[],
        Duration::from_secs(60),
    );
    for (method, status) in [
        (Method::HEAD, StatusCode::SERVICE_UNAVAILABLE),
        (Method::POST, StatusCode::METHOD_NOT_ALLOWED),
    ] {
        let request = Request::builder()
            .method(method.clone())
            .uri("/healthz")
            .body(Body::empty())
            .unwrap();
        let response = router.clone().oneshot(request).await.unwrap();
        assert_eq!(response.status(), status, "{method}");
    }
}
