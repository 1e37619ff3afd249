//! Every format on goss's reference example (`hello world` command, one passing and
//! one failing check; goss.md §5) and goss's `outputs/*_test.go` tables.

// Helpers shared by the tests unwrap freely: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

use std::io::Cursor;
use std::time::Duration;

use time::OffsetDateTime;
use time::macros::datetime;
use warden_matchers::{Actual, ActualKind, Matcher, evaluate};
use warden_report::{
    Format, FormatOption, FormatOptions, PrometheusMetrics, ResourceInfo, ResultCode, ResultGroup,
    TestResult, render,
};
use warden_value::Value;

const START: OffsetDateTime = datetime!(2026-08-16 10:00:00 UTC);

fn command() -> ResourceInfo {
    ResourceInfo {
        resource_type: "Command".into(),
        id: "hello world".into(),
        ..Default::default()
    }
}

fn at(ms: u64) -> OffsetDateTime {
    START + Duration::from_millis(ms)
}

/// `exit-status: 0` passing, `stdout: [did not echo this]` failing.
fn hello_world() -> Vec<ResultGroup> {
    let exit = Matcher::compile(&Value::Int(0), ActualKind::Value).unwrap();
    let stdout = Matcher::compile(
        &Value::List(vec!["did not echo this".into()]),
        ActualKind::Reader,
    )
    .unwrap();
    let exit_result = TestResult::from_outcome(
        &command(),
        "exit-status",
        evaluate(&exit, Actual::Value(Value::Int(0))),
        at(0),
        at(1),
    );
    let stdout_actual = Actual::Reader(Box::new(Cursor::new(b"hello world\n".to_vec())));
    let stdout_result = TestResult::from_outcome(
        &command(),
        "stdout",
        evaluate(&stdout, stdout_actual),
        at(1),
        at(2),
    );
    vec![ResultGroup {
        results: vec![exit_result, stdout_result],
    }]
}

fn run(format: Format, options: &[FormatOption]) -> (String, i32) {
    let opts = options
        .iter()
        .fold(FormatOptions::default(), |o, opt| o.with(*opt));
    let rendered = render(format, &opts, &hello_world(), START, false);
    (rendered.text, rendered.exit_code)
}

const FAILURE: &str = "Command: hello world: stdout:\nExpected\n    \"hello world\\n\"\nto have patterns\n    [\"did not echo this\"]\nthe missing elements were\n    [\"did not echo this\"]";
const FAILURE_COMPACT: &str = "Command: hello world: stdout: Expected \"hello world\\n\" to have patterns [\"did not echo this\"] the missing elements were [\"did not echo this\"]";

#[test]
fn rspecish() {
    let (text, code) = run(Format::Rspecish, &[]);
    assert_eq!(
        text,
        format!(
            ".F\n\nFailures/Skipped:\n\n{FAILURE}\n\nTotal Duration: 0.002s\nCount: 2, Failed: 1, Skipped: 0\n"
        )
    );
    assert_eq!(code, 1);
}

#[test]
fn documentation() {
    let (text, code) = run(Format::Documentation, &[]);
    assert_eq!(
        text,
        format!(
            "Command: hello world: exit-status: matches expectation: 0\n{FAILURE}\n\n\nFailures/Skipped:\n\n{FAILURE}\n\nTotal Duration: 0.002s\nCount: 2, Failed: 1, Skipped: 0\n"
        )
    );
    assert_eq!(code, 1);
}

#[test]
fn tap() {
    let (text, code) = run(Format::Tap, &[]);
    assert_eq!(
        text,
        format!(
            "1..2\nok 1 - Command: hello world: exit-status: matches expectation: 0\nnot ok 2 - {FAILURE_COMPACT}\n"
        )
    );
    assert_eq!(code, 1);
}

#[test]
fn nagios_with_perfdata_and_verbose() {
    assert_eq!(
        run(Format::Nagios, &[]),
        (
            "GOSS CRITICAL - Count: 2, Failed: 1, Skipped: 0, Duration: 0.002s\n".into(),
            2
        )
    );
    let (text, _) = run(
        Format::Nagios,
        &[FormatOption::Perfdata, FormatOption::Verbose],
    );
    assert_eq!(
        text,
        format!(
            "GOSS CRITICAL - Count: 2, Failed: 1, Skipped: 0, Duration: 0.002s|total=2 failed=1 skipped=0 duration=0.002s\nFail 1 - {FAILURE_COMPACT}\n"
        )
    );
}

#[test]
fn junit() {
    let (text, code) = run(Format::Junit, &[]);
    let escaped = FAILURE_COMPACT.replace('"', "&#34;");
    assert_eq!(
        text,
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuite name=\"goss\" errors=\"0\" tests=\"2\" failures=\"1\" skipped=\"0\" time=\"0.002\" timestamp=\"2026-08-16T10:00:00Z\">\n<testcase name=\"Command hello world exit-status\" time=\"0.001\">\n<system-out>Command: hello world: exit-status: matches expectation: 0</system-out>\n</testcase>\n<testcase name=\"Command hello world stdout\" time=\"0.001\">\n<system-err>{escaped}</system-err>\n<failure>{escaped}</failure>\n</testcase>\n</testsuite>\n"
        )
    );
    assert_eq!(code, 1);
}

#[test]
fn junit_uses_the_title_and_marks_skips() {
    let info = ResourceInfo {
        title: "ssh is <up>".into(),
        ..command()
    };
    let groups = vec![ResultGroup {
        results: vec![TestResult::skip(&info, "stdout", at(0), at(0))],
    }];
    let text = render(
        Format::Junit,
        &FormatOptions::default(),
        &groups,
        START,
        false,
    )
    .text;
    assert!(text.contains("<testcase name=\"ssh is &lt;up&gt;\" time=\"0.000\">\n<skipped/><system-out>Command: hello world: stdout: skipped</system-out>\n"), "{text}");
}

#[test]
fn json_pretty() {
    let (text, code) = run(Format::Json, &[FormatOption::Pretty]);
    assert_eq!(code, 1);
    let expected_pass = r#"        {
            "duration": 1000000,
            "end-time": "2026-08-16T10:00:00.001Z",
            "err": null,
            "matcher-result": {
                "actual": 0,
                "expected": 0,
                "extra-elements": null,
                "found-elements": null,
                "message": "matches expectation",
                "missing-elements": null,
                "transform-chain": null,
                "untransformed-value": null
            },
            "meta": null,
            "property": "exit-status",
            "resource-id": "hello world",
            "resource-type": "Command",
            "result": 0,
            "skipped": false,
            "start-time": "2026-08-16T10:00:00Z",
            "successful": true,
            "summary-line": "Command: hello world: exit-status: matches expectation: 0",
            "summary-line-compact": "Command: hello world: exit-status: matches expectation: 0",
            "title": ""
        },"#;
    assert!(
        text.starts_with(&format!("{{\n    \"results\": [\n{expected_pass}")),
        "{text}"
    );
    assert!(text.ends_with(
        "    \"summary\": {\n        \"failed-count\": 1,\n        \"skipped-count\": 0,\n        \"summary-line\": \"Count: 2, Failed: 1, Skipped: 0, Duration: 0.002s\",\n        \"test-count\": 2,\n        \"total-duration\": 2000000\n    }\n}\n"
    ));
    assert!(text.contains(r#""summary-line-compact": "Command: hello world: stdout: Expected \"hello world\\n\" to have patterns [\"did not echo this\"] the missing elements were [\"did not echo this\"]","#));
    assert!(text.contains(r#""actual": "hello world\n","#));
}

#[test]
fn json_compact_escapes_html_as_go() {
    let info = ResourceInfo {
        resource_type: "Matching".into(),
        id: "<x>".into(),
        ..Default::default()
    };
    let groups = vec![ResultGroup {
        results: vec![TestResult::skip(&info, "matches", at(0), at(0))],
    }];
    let text = render(
        Format::Json,
        &FormatOptions::default(),
        &groups,
        START,
        false,
    )
    .text;
    assert!(
        text.starts_with(
            r#"{"results":[{"duration":0,"end-time":"2026-08-16T10:00:00Z","err":null,"#
        ),
        "{text}"
    );
    assert!(text.contains(r#""resource-id":"\u003cx\u003e""#));
    assert!(text.contains(r#""skipped":true,"#) && text.contains(r#""successful":true,"#));
    assert!(text.ends_with("\"test-count\":1,\"total-duration\":0}}\n"));
}

#[test]
fn structured_keeps_struct_order_and_exits_zero() {
    let (text, code) = run(Format::Structured, &[FormatOption::Pretty]);
    assert_eq!(code, 0);
    assert!(text.starts_with(
        "{\n  \"results\": [\n    {\n      \"successful\": true,\n      \"skipped\": false,\n      \"resource-id\": \"hello world\",\n      \"resource-type\": \"Command\",\n      \"property\": \"exit-status\",\n      \"title\": \"\",\n      \"meta\": null,\n      \"result\": 0,\n      \"err\": null,\n      \"matcher-result\": {\n        \"actual\": 0,\n        \"message\": \"matches expectation\",\n        \"expected\": 0,\n"
    ), "{text}");
    assert!(text.contains("      \"start-time\": \"2026-08-16T10:00:00Z\",\n      \"end-time\": \"2026-08-16T10:00:00.001Z\",\n      \"duration\": 1000000,\n      \"summary-line\": "));
    assert!(text.ends_with(
        "  \"summary\": {\n    \"test-count\": 2,\n    \"failed-count\": 1,\n    \"total-duration\": 2000000\n  },\n  \"summary-line\": \"Count: 2, Failed: 1, Duration: 0.002s\"\n}\n"
    ));
}

#[test]
fn silent_prints_nothing() {
    assert_eq!(run(Format::Silent, &[]), (String::new(), 1));
}

#[test]
fn colour_wraps_marks_and_summary_lines() {
    let text = render(
        Format::Rspecish,
        &FormatOptions::default(),
        &hello_world(),
        START,
        true,
    )
    .text;
    assert!(text.starts_with("\x1b[32m.\x1b[0m\x1b[31mF\x1b[0m\n\n"));
    assert!(
        text.ends_with("Total Duration: 0.002s\n\x1b[31mCount: 2, Failed: 1, Skipped: 0\n\x1b[0m")
    );
}

#[test]
fn headers_show_title_and_meta() {
    let meta = [
        ("owner".to_owned(), Value::from("ops")),
        ("tier".to_owned(), Value::Int(1)),
    ]
    .into();
    let info = ResourceInfo {
        title: "SSH".into(),
        meta: Some(meta),
        ..command()
    };
    let groups = vec![ResultGroup {
        results: vec![TestResult::skip(&info, "stdout", at(0), at(0))],
    }];
    let text = render(
        Format::Documentation,
        &FormatOptions::default(),
        &groups,
        START,
        false,
    )
    .text;
    assert!(text.starts_with(
        "Title: SSH\nMeta:\n    owner: ops\n    tier: 1\nCommand: hello world: stdout: skipped\n"
    ));
}

#[test]
fn sort_orders_groups_by_type_and_id() {
    let group = |t: &str, id: &str| {
        let info = ResourceInfo {
            resource_type: t.into(),
            id: id.into(),
            ..Default::default()
        };
        ResultGroup {
            results: vec![TestResult::skip(&info, "p", at(0), at(0))],
        }
    };
    let groups = vec![
        group("Matching", "b"),
        group("File", "z"),
        group("Matching", "a"),
    ];
    let tap = |opts: FormatOptions| render(Format::Tap, &opts, &groups, START, false).text;
    assert!(tap(FormatOptions::default()).contains("1 - # SKIP Matching: b"));
    let sorted = tap(FormatOptions::parse(&["sort"]));
    assert!(
        sorted.contains("ok 1 - # SKIP File: z") && sorted.contains("ok 3 - # SKIP Matching: b"),
        "{sorted}"
    );
}

#[test]
fn exclude_raw_drops_the_raw_value() {
    let matcher = Matcher::compile(&Value::Int(43), ActualKind::Value).unwrap();
    let r = TestResult::from_outcome(
        &command(),
        "exit-status",
        evaluate(&matcher, Actual::Value(Value::from("42"))),
        at(0),
        at(0),
    );
    let groups = vec![ResultGroup { results: vec![r] }];
    let tap = |opts: &[&str]| {
        render(
            Format::Tap,
            &FormatOptions::parse(opts),
            &groups,
            START,
            false,
        )
        .text
    };
    assert!(
        tap(&[]).contains("the transform chain was [{\"to-numeric\":{}}] the raw value was \"42\"")
    );
    assert!(tap(&["exclude_raw"]).ends_with("the transform chain was [{\"to-numeric\":{}}]\n"));
}

/// goss's `TestPrometheusOutput` table: result codes of `Command` (and `File`)
/// checks lasting 10ms each, and the metric lines that must appear.
#[test]
fn prometheus_outcomes() {
    use ResultCode::*;
    /// (resource type and result code of each check, metric lines, exit code)
    type Case<'a> = (&'a [(&'a str, ResultCode)], &'a [&'a str], i32);
    let cases: &[Case<'_>] = &[
        (
            &[("Command", Success), ("Command", Success)],
            &[
                r#"goss_tests_outcomes_duration_milliseconds{outcome="pass",type="command"} 20"#,
                r#"goss_tests_outcomes_total{outcome="pass",type="command"} 2"#,
                r#"goss_tests_run_duration_milliseconds{outcome="pass"}"#,
                r#"goss_tests_run_outcomes_total{outcome="pass"} 1"#,
            ],
            0,
        ),
        (
            &[("Command", Skip), ("Command", Skip)],
            &[r#"goss_tests_run_outcomes_total{outcome="skip"} 1"#],
            0,
        ),
        (
            &[("Command", Fail), ("Command", Fail)],
            &[r#"goss_tests_run_outcomes_total{outcome="fail"} 1"#],
            1,
        ),
        (
            &[("Command", Unknown), ("Command", Unknown)],
            &[r#"goss_tests_run_outcomes_total{outcome="unknown"} 1"#],
            0,
        ),
        (
            &[("Command", Success), ("File", Success)],
            &[
                r#"goss_tests_outcomes_total{outcome="pass",type="command"} 1"#,
                r#"goss_tests_outcomes_total{outcome="pass",type="file"} 1"#,
            ],
            0,
        ),
        (
            &[
                ("Command", Success),
                ("File", Skip),
                ("Command", Fail),
                ("File", Unknown),
            ],
            &[
                r#"goss_tests_outcomes_duration_milliseconds{outcome="skip",type="file"} 10"#,
                r#"goss_tests_run_outcomes_total{outcome="fail"} 1"#,
            ],
            1,
        ),
        (
            &[("Command", Unknown), ("Command", Skip)],
            &[r#"goss_tests_run_outcomes_total{outcome="unknown"} 1"#],
            0,
        ),
        (
            &[("Command", Unknown), ("Command", Fail)],
            &[r#"goss_tests_run_outcomes_total{outcome="fail"} 1"#],
            1,
        ),
        (
            &[("Command", Unknown), ("Command", Success)],
            &[r#"goss_tests_run_outcomes_total{outcome="unknown"} 1"#],
            0,
        ),
        (
            &[("Command", Skip), ("Command", Unknown)],
            &[r#"goss_tests_run_outcomes_total{outcome="unknown"} 1"#],
            0,
        ),
        (
            &[("Command", Skip), ("Command", Success)],
            &[r#"goss_tests_run_outcomes_total{outcome="pass"} 1"#],
            0,
        ),
        (
            &[("Command", Fail), ("Command", Success)],
            &[r#"goss_tests_run_outcomes_total{outcome="fail"} 1"#],
            1,
        ),
        (
            &[("Command", Success), ("Command", Unknown)],
            &[r#"goss_tests_run_outcomes_total{outcome="unknown"} 1"#],
            0,
        ),
        (
            &[("Command", Success), ("Command", Skip)],
            &[r#"goss_tests_run_outcomes_total{outcome="pass"} 1"#],
            0,
        ),
        (
            &[],
            &[r#"goss_tests_run_outcomes_total{outcome="unknown"} 1"#],
            0,
        ),
    ];
    for (codes, metrics, exit_code) in cases {
        let results = codes
            .iter()
            .map(|(t, code)| {
                let info = ResourceInfo {
                    resource_type: (*t).into(),
                    id: "x".into(),
                    ..Default::default()
                };
                TestResult {
                    result: *code,
                    ..TestResult::skip(&info, "p", at(0), at(10))
                }
            })
            .collect();
        let groups = vec![ResultGroup { results }];
        let rendered = render(
            Format::Prometheus,
            &FormatOptions::default(),
            &groups,
            at(20),
            false,
        );
        for metric in *metrics {
            assert!(
                rendered.text.contains(metric),
                "missing {metric} in\n{}",
                rendered.text
            );
        }
        assert_eq!(rendered.exit_code, *exit_code, "{codes:?}");
    }
}

#[test]
fn prometheus_exposition_text() {
    let (text, code) = run(Format::Prometheus, &[FormatOption::Verbose]);
    assert_eq!(code, 1);
    assert_eq!(
        text,
        "# HELP goss_tests_outcomes_duration_milliseconds The duration of tests from this run. Note; tests run concurrently.\n\
# TYPE goss_tests_outcomes_duration_milliseconds counter\n\
goss_tests_outcomes_duration_milliseconds{outcome=\"fail\",resource_id=\"hello world\",type=\"command\"} 1\n\
goss_tests_outcomes_duration_milliseconds{outcome=\"pass\",resource_id=\"hello world\",type=\"command\"} 1\n\
# HELP goss_tests_outcomes_total The number of test-outcomes from this run.\n\
# TYPE goss_tests_outcomes_total counter\n\
goss_tests_outcomes_total{outcome=\"fail\",resource_id=\"hello world\",type=\"command\"} 1\n\
goss_tests_outcomes_total{outcome=\"pass\",resource_id=\"hello world\",type=\"command\"} 1\n\
# HELP goss_tests_run_duration_milliseconds The end-to-end duration of this run.\n\
# TYPE goss_tests_run_duration_milliseconds counter\n\
goss_tests_run_duration_milliseconds{outcome=\"fail\"} 0\n\
# HELP goss_tests_run_outcomes_total The outcomes of this run as a whole.\n\
# TYPE goss_tests_run_outcomes_total counter\n\
goss_tests_run_outcomes_total{outcome=\"fail\"} 1\n"
    );
}

#[test]
fn prometheus_counters_accumulate_across_runs() {
    let mut metrics = PrometheusMetrics::new(false);
    metrics.record(&hello_world(), at(5));
    metrics.record(&hello_world(), at(5));
    let text = metrics.exposition();
    assert!(text.contains("goss_tests_outcomes_total{outcome=\"pass\",type=\"command\"} 2\n"));
    assert!(text.contains("goss_tests_run_outcomes_total{outcome=\"fail\"} 2\n"));
    assert!(text.contains("goss_tests_run_duration_milliseconds{outcome=\"fail\"} 10\n"));
}
