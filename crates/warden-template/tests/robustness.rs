//! No input may make rendering panic, hang, or grow without bound. These tests
//! feed thousands of mutated templates and hand-picked adversarial ones.

#![allow(clippy::unwrap_used)]

mod common;

use std::time::{Duration, Instant};

use warden_template::{Limits, fuzz_render, render_with_limits};

/// A small deterministic generator, so failures reproduce.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const SEEDS: &[&str] = &[
    "{{range $i, $e := .Vars.list}}{{$i}}={{$e | upper}}{{else}}none{{end}}",
    "{{if eq .Env.OS \"bullseye\"}}a{{else if .Vars.n}}b{{else}}c{{end}}",
    "{{define \"x\"}}[{{.}}]{{end}}{{template \"x\" (dict \"a\" 1)}}{{block \"y\" .}}{{.Vars.name}}{{end}}",
    "{{with $x := index .Vars \"map\"}}{{$x.a}}{{end}}{{- /* c */ -}}",
    "{{printf \"%5.2f|%-4s|%x\" 3.14159 \"ab\" 255}}{{\"s\" | repeat 3 | quote}}",
    "{{$d := dict \"a\" (list 1 2)}}{{$_ := set $d \"b\" $d}}{{toJson (omit $d \"b\")}}",
    "{{range until 5}}{{if eq . 3}}{{break}}{{end}}{{.}}{{end}}{{semverCompare \"^1.0\" \"1.2.3\"}}",
    "{{regexReplaceAll \"(a+)\" \"caaab\" \"<$1>\"}}{{(findStringSubmatch \"(?P<x>\\\\d)\" \"a1\").x}}",
    "text\n{{- .Vars.nested.inner.deep -}}\n{{`raw`}} {{'c'}} {{0x1F}} {{1e3}} {{nil | default 3}}",
];

const TOKENS: &[&str] = &[
    "{{",
    "}}",
    "{{-",
    "-}}",
    "(",
    ")",
    "|",
    "$x",
    "$",
    ":=",
    "=",
    ",",
    "range",
    "end",
    "else",
    "if",
    "with",
    "define \"a\"",
    "template \"a\" .",
    "block \"b\" .",
    "break",
    "continue",
    "\"",
    "`",
    "'",
    "/*",
    "*/",
    ".",
    ".Vars",
    ".Vars.list",
    "nil",
    "1e9",
    "-1",
    "0x",
    "repeat 100000",
    "until 100000",
    "printf \"%*d\" 99999 1",
    "\n",
    " ",
    "\\",
    "é",
    "\u{0}",
    "index",
    "slice",
    "dict",
    "set",
    "toJson",
    "merge",
    "regexMatch \"(\"",
];

fn mutate(rng: &mut XorShift, seed: &str) -> String {
    let mut bytes = seed.as_bytes().to_vec();
    for _ in 0..=rng.below(4) {
        let at = rng.below(bytes.len() + 1);
        match rng.below(4) {
            0 => bytes.truncate(at),
            1 => {
                let end = (at + rng.below(8)).min(bytes.len());
                bytes.drain(at..end);
            }
            2 => {
                let token = TOKENS[rng.below(TOKENS.len())].as_bytes();
                bytes.splice(at..at, token.iter().copied());
            }
            _ => {
                let end = (at + rng.below(16)).min(bytes.len());
                let copy = bytes[at..end].to_vec();
                let to = rng.below(bytes.len() + 1);
                bytes.splice(to..to, copy);
            }
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

fn small_limits() -> Limits {
    Limits {
        max_output_bytes: 1 << 20,
        max_list_len: 1 << 16,
        max_steps: 100_000,
        max_template_depth: 16,
    }
}

#[test]
fn thousands_of_mutated_templates_always_return() {
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
    let data = common::data(common::VARS);
    let host = common::host();
    let started = Instant::now();
    let (mut ok, mut err) = (0, 0);
    for round in 0..4000 {
        let seed = SEEDS[round % SEEDS.len()];
        let source = mutate(&mut rng, seed);
        match render_with_limits("fuzz", &source, &data, &host, &small_limits()) {
            Ok(_) => ok += 1,
            Err(e) => {
                assert!(e.line >= 1, "{source:?} gave an error without a line: {e}");
                err += 1;
            }
        }
        let _ = fuzz_render(source.as_bytes());
    }
    assert_eq!(ok + err, 4000);
    assert!(
        ok > 100 && err > 100,
        "mutations should both succeed and fail ({ok} ok, {err} errors)"
    );
    assert!(
        started.elapsed() < Duration::from_secs(120),
        "too slow: {:?}",
        started.elapsed()
    );
}

#[test]
fn every_prefix_of_a_real_template_returns() {
    let source = SEEDS.join("\n");
    let data = common::data(common::VARS);
    let host = common::host();
    for end in (0..=source.len()).filter(|&i| source.is_char_boundary(i)) {
        let _ = render_with_limits("prefix", &source[..end], &data, &host, &small_limits());
    }
}

/// Runs on a thread with a 2 MiB stack, the default for test threads and a common
/// embedder choice, to prove the nesting caps keep recursion within it.
fn on_small_stack(source: String) -> Result<String, String> {
    std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || {
            let data = common::data(common::VARS);
            render_with_limits("t", &source, &data, &common::host(), &Limits::default())
                .map_err(|e| e.to_string())
        })
        .unwrap()
        .join()
        .unwrap()
}

#[test]
fn adversarial_templates_fail_cleanly() {
    let deep_parens = format!("{{{{{}1{}}}}}", "(".repeat(5000), ")".repeat(5000));
    let deep_ifs = format!("{}x{}", "{{if 1}}".repeat(5000), "{{end}}".repeat(5000));
    let deep_ranges = format!("{}x{}", "{{range 1}}".repeat(99), "{{end}}".repeat(99));
    let cases: Vec<(String, &str)> = vec![
        (deep_parens, "max expression depth exceeded"),
        (deep_ifs, "max block nesting depth exceeded"),
        ("{{repeat 1000000000 \"x\"}}".into(), "exceeds the limit"),
        (
            "{{range until 1000000}}{{range until 1000000}}{{end}}{{end}}".into(),
            "exceeded the limit of 10000000 steps",
        ),
        (
            "{{until 100000000}}".into(),
            "exceeds the limit of 1048576 elements",
        ),
        (
            "{{define \"r\"}}{{template \"r\" .}}{{end}}{{template \"r\" .}}".into(),
            "exceeded maximum template depth (64)",
        ),
        (
            "{{$d := dict}}{{$_ := set $d \"a\" $d}}{{$d}}".into(),
            "value nested more than 100 levels deep",
        ),
        (
            "{{$d := dict}}{{$_ := set $d \"a\" $d}}{{mustToJson $d}}".into(),
            "encountered a cycle",
        ),
        (
            "{{$d := dict}}{{$_ := set $d \"a\" $d}}{{deepCopy $d}}".into(),
            "nested too deeply",
        ),
        (
            "{{$l := list 1}}{{range until 40}}{{$l = concat $l $l}}{{end}}".into(),
            "exceeds the limit",
        ),
        (
            "{{regexMatch \"a{1000}{1000}\" \"a\"}}".into(),
            "error parsing regexp",
        ),
        ("{{printf \"%999999999d\" 1}}".into(), "%!(NOVERB)"),
        ("{{len (printf \"%.999999f|%.999999e|%.999999g|%.70000U\" 1.5 1.5 1.5 65)}}".into(), "2070014"),
        // A list nested 200000 deep: printing refuses it, and freeing it must not recurse.
        ("{{$l := list}}{{range until 200000}}{{$l = list $l}}{{end}}{{$l}}".into(), "nested more than 100 levels"),
        ("{{$l := list}}{{range until 200000}}{{$l = list $l}}{{end}}{{has $l (list $l)}} {{toJson $l | len}}".into(), "true 0"),
    ];
    for (source, want) in cases {
        let got = match on_small_stack(source.clone()) {
            Ok(out) => out,
            Err(e) => e,
        };
        assert!(
            got.contains(want),
            "{:.60}…: want {want:?}, got {:.200}",
            source,
            got
        );
    }
    // The worst stack: recursion through nested blocks, each level also
    // evaluating a maximally parenthesised pipeline.
    let parens = format!("{{{{{}1{}}}}}", "(".repeat(50), ")".repeat(50));
    let body = format!(
        "{}{parens}{{{{template \"r\" .}}}}{}",
        "{{if 1}}".repeat(49),
        "{{end}}".repeat(49)
    );
    let worst = format!("{{{{define \"r\"}}}}{body}{{{{end}}}}{{{{template \"r\" .}}}}");
    let got = on_small_stack(worst).unwrap_err();
    assert!(
        got.contains("exceeded maximum nesting depth (150)"),
        "{got}"
    );
    // Nesting right up to the caps still renders.
    assert_eq!(on_small_stack(deep_ranges).unwrap(), "x");
    let wide = format!("{{{{{}1{}}}}}", "(".repeat(99), ")".repeat(99));
    assert_eq!(on_small_stack(wide).unwrap(), "1");
}

#[test]
fn cyclic_maps_do_not_break_merging_or_comparison() {
    let source = "{{$a := dict \"x\" 1}}{{$_ := set $a \"self\" $a}}{{$b := dict}}{{$_ := merge $b $a}}\
                  {{$_ := mergeOverwrite $a $a $b}}{{has $a (list $a)}} {{uniq (list $a $a) | len}} {{len $b}}";
    assert_eq!(on_small_stack(source.into()).unwrap(), "true 1 2");
}
