//! `have-patterns`, and a list expectation on a stream (`file.contents`, `stdout`,
//! `http.body`, …): goss's line-pattern matcher.
//!
//! Each pattern is a substring (`foo`), a negated substring (`!foo`), a regex
//! (`/re/`, `/re/i`) or a negated regex (`!/re/`). Lines are scanned as Go's
//! `bufio.Scanner` does (1 MiB maximum line); scanning stops as soon as every pattern
//! has been decided, so a large stream is only read as far as needed.

use std::io::{BufRead, BufReader, Read};

use regex::Regex;
use warden_value::Value;

use crate::format::object_of;
use crate::node::{Detail, Run, plain_result};
use crate::result::MatcherResult;
use crate::subject::Subject;
use warden_value::goregex;

/// bufio.Scanner's limit as goss sets it: a longer line fails the scan.
const MAX_LINE: usize = 1024 * 1024;

#[derive(Debug, Clone, Default)]
pub(crate) struct PatternsRun {
    missing: Option<Vec<String>>,
    found: Option<Vec<String>>,
    /// The text scanned from a stream, which goss shows as the actual value.
    content: Option<String>,
}

#[derive(Debug)]
struct Pattern {
    source: String,
    inverse: bool,
    test: PatternTest,
}

#[derive(Debug)]
enum PatternTest {
    Substring(String),
    Regex(Regex),
}

impl Pattern {
    fn parse(source: &str) -> Result<Pattern, String> {
        let (inverse, rest) = match source.strip_prefix('!') {
            Some(rest) => (true, rest),
            None => (false, source),
        };
        if let Some((body, flags)) = regex_parts(rest) {
            let pattern = if flags.is_empty() {
                body.to_owned()
            } else {
                format!("(?{flags}){body}")
            };
            return Ok(Pattern {
                source: source.to_owned(),
                inverse,
                test: PatternTest::Regex(goregex::compile(&pattern)?),
            });
        }
        // Leading `\`, `/` and `!` escape a literal pattern; all of them are dropped.
        let literal = source.trim_start_matches(['\\', '/', '!']).to_owned();
        Ok(Pattern {
            source: source.to_owned(),
            inverse,
            test: PatternTest::Substring(literal),
        })
    }

    fn matches(&self, line: &str) -> bool {
        match &self.test {
            PatternTest::Substring(s) => line.contains(s.as_str()),
            PatternTest::Regex(re) => re.is_match(line),
        }
    }
}

/// `/body/flags` with flags drawn from `i`, `m`, `s`.
fn regex_parts(s: &str) -> Option<(&str, &str)> {
    let inner = s.strip_prefix('/')?;
    let last = inner.rfind('/')?;
    let flags = &inner[last + 1..];
    flags
        .chars()
        .all(|c| matches!(c, 'i' | 'm' | 's'))
        .then_some((&inner[..last], flags))
}

fn parse_patterns(elements: &Value) -> Result<Vec<Pattern>, String> {
    let Value::List(items) = elements else {
        return Err(format!(
            "HavePatterns matcher expects an array of matchers.  Got:\n{}",
            object_of(elements, 1)
        ));
    };
    let mut sources = Vec::with_capacity(items.len());
    for item in items {
        match item {
            Value::String(s) => sources.push(s.clone()),
            Value::Map(map) => sources.push(inverted_pattern(map).ok_or_else(|| {
                format!(
                    "HavePatterns matcher expects a pattern map to be {{pattern: <string>, invert: <bool>}}. got: \n{}",
                    object_of(item, 1)
                )
            })?),
            other => {
                return Err(format!(
                    "HavePatterns matcher expects patterns to be a string. got: \n{}",
                    object_of(other, 1)
                ));
            }
        }
    }
    sources.iter().map(|s| Pattern::parse(s)).collect()
}

/// INTERCEPT's policy files (seed 000) write a negated pattern as
/// `{pattern: "text", invert: true}`; goss only knows the `"!text"` spelling, which
/// this turns it into.
fn inverted_pattern(map: &std::collections::BTreeMap<String, Value>) -> Option<String> {
    let pattern = map.get("pattern")?.as_str()?;
    let invert = match map.get("invert") {
        None => false,
        Some(value) => value.as_bool()?,
    };
    if map.keys().any(|k| k != "pattern" && k != "invert") {
        return None;
    }
    Some(if invert {
        format!("!{pattern}")
    } else {
        pattern.to_owned()
    })
}

/// The scan state: patterns still undecided and patterns found.
struct Scan {
    total: usize,
    sources: Vec<String>,
    undecided: Vec<Pattern>,
    found: Vec<String>,
}

impl Scan {
    fn new(patterns: Vec<Pattern>) -> Scan {
        let sources = patterns.iter().map(|p| p.source.clone()).collect();
        Scan {
            total: patterns.len(),
            sources,
            undecided: patterns,
            found: Vec::new(),
        }
    }

    /// Feeds one line; returns false once nothing is left to decide.
    fn line(&mut self, line: &str) -> bool {
        let found = &mut self.found;
        self.undecided.retain(|pat| {
            if pat.matches(line) {
                // A negated pattern that matched is decided, but not found.
                if !pat.inverse {
                    found.push(pat.source.clone());
                }
                return false;
            }
            true
        });
        !self.undecided.is_empty()
    }

    fn finish(mut self) -> (bool, PatternsRun) {
        for pat in &self.undecided {
            // Never seen: right for a negated pattern; an empty pattern matches even
            // an empty stream.
            if pat.inverse || pat.source.is_empty() {
                self.found.push(pat.source.clone());
            }
        }
        let success = self.found.len() == self.total;
        let missing = if success {
            None
        } else {
            let missing: Vec<String> = self
                .sources
                .iter()
                .filter(|s| !self.found.contains(s))
                .cloned()
                .collect();
            (!missing.is_empty()).then_some(missing)
        };
        let found = (!self.found.is_empty()).then_some(self.found);
        (
            success,
            PatternsRun {
                missing,
                found,
                content: None,
            },
        )
    }
}

/// `have-patterns` on an in-memory value: a string, or a `[]string` joined by lines.
pub(crate) fn matches_subject(elements: &Value, actual: &Subject) -> Run {
    let patterns = match parse_patterns(elements) {
        Ok(p) => p,
        Err(e) => return Run::error(e),
    };
    if patterns.is_empty() {
        return Run::verdict(true);
    }
    let text = match actual {
        Subject::Value(Value::String(s)) => s.clone(),
        Subject::Strings(items) => items.join("\n"),
        other => return Run::error(format!("Incorrect type {}", other.go_type_name())),
    };
    let mut scan = Scan::new(patterns);
    let mut reader = text.as_bytes();
    match scan_lines(&mut reader, &mut scan, &mut None) {
        Ok(()) => finish(scan, None),
        Err(e) => Run::error(e),
    }
}

/// A list expectation on a stream: scans it line by line, stopping early, and keeps
/// the text read so far for the failure message.
pub(crate) fn matches_reader(elements: &Value, reader: &mut dyn Read) -> Run {
    let patterns = match parse_patterns(elements) {
        Ok(p) => p,
        Err(e) => return Run::error(e),
    };
    if patterns.is_empty() {
        return Run::verdict(true);
    }
    let mut scan = Scan::new(patterns);
    let mut consumed = Some(Vec::new());
    let outcome = scan_lines(reader, &mut scan, &mut consumed);
    let content = consumed.map(|bytes| String::from_utf8_lossy(&bytes).into_owned());
    match outcome {
        Ok(()) => finish(scan, content),
        Err(e) => {
            let mut run = Run::error(e);
            run.detail = Detail::Patterns(PatternsRun {
                content,
                ..PatternsRun::default()
            });
            run
        }
    }
}

fn finish(scan: Scan, content: Option<String>) -> Run {
    let (success, mut state) = scan.finish();
    state.content = content;
    Run {
        success,
        error: None,
        detail: Detail::Patterns(state),
    }
}

/// `bufio.Scanner` with `ScanLines`: `\n` separated, a trailing `\r` dropped, a last
/// unterminated line kept, and lines of 1 MiB or more rejected.
fn scan_lines(
    reader: &mut dyn Read,
    scan: &mut Scan,
    consumed: &mut Option<Vec<u8>>,
) -> Result<(), String> {
    let mut reader = BufReader::with_capacity(64 * 1024, reader);
    let mut line = Vec::new();
    loop {
        let chunk = reader.fill_buf().map_err(|e| e.to_string())?;
        if chunk.is_empty() {
            if !line.is_empty() {
                feed(scan, &line);
            }
            return Ok(());
        }
        let (take, complete) = match chunk.iter().position(|b| *b == b'\n') {
            Some(i) => (i + 1, true),
            None => (chunk.len(), false),
        };
        let piece = &chunk[..take];
        if let Some(buf) = consumed.as_mut() {
            buf.extend_from_slice(piece);
        }
        line.extend_from_slice(if complete { &piece[..take - 1] } else { piece });
        reader.consume(take);
        if line.len() >= MAX_LINE {
            return Err("bufio.Scanner: token too long".to_owned());
        }
        if complete {
            let more = feed(scan, &line);
            line.clear();
            if !more {
                return Ok(());
            }
        }
    }
}

fn feed(scan: &mut Scan, line: &[u8]) -> bool {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    scan.line(&String::from_utf8_lossy(line))
}

fn patterns_run(run: &Run) -> PatternsRun {
    match &run.detail {
        Detail::Patterns(p) => p.clone(),
        _ => PatternsRun::default(),
    }
}

pub(crate) fn result(
    elements: &Value,
    run: &Run,
    actual: &Subject,
    negated: bool,
) -> MatcherResult {
    let state = patterns_run(run);
    let shown = match (&state.content, actual) {
        (Some(content), _) => Subject::string(content.clone()),
        (None, Subject::Value(Value::String(_))) => actual.clone(),
        (None, Subject::Strings(_)) if !negated => actual.clone(),
        (None, other) => Subject::string(format!("object: {}", other.go_type_name())),
    };
    let mut result = plain_result(&shown, "to have patterns", negated, elements.clone());
    if !negated {
        result.missing_elements = state.missing.map(Value::from);
        result.found_elements = state.found.map(Value::from);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(items: &[&str]) -> Value {
        Value::List(items.iter().map(|s| Value::from(*s)).collect())
    }

    fn run_text(patterns: &[&str], text: &str) -> (bool, PatternsRun) {
        let run = matches_reader(&list(patterns), &mut text.as_bytes());
        assert!(run.error.is_none(), "{:?}", run.error);
        (run.success, patterns_run(&run))
    }

    #[test]
    fn substrings_regexes_and_negations() {
        let text = "foo bar\nmoo cow\n";
        assert!(run_text(&["foo", "/^m.*w$/", "!ftw", "!/^ERROR:/"], text).0);
        let (ok, state) = run_text(&["fox", "/^t.*w$/", "!foo", "!/^foo/"], text);
        assert!(!ok);
        assert_eq!(
            state.missing,
            Some(vec![
                "fox".into(),
                "/^t.*w$/".into(),
                "!foo".into(),
                "!/^foo/".into()
            ])
        );
        assert_eq!(state.content.as_deref(), Some(text));
    }

    #[test]
    fn regex_flags_and_escapes() {
        assert!(run_text(&["/^FOO/i"], "foo\n").0);
        assert!(!run_text(&["/^FOO/"], "foo\n").0);
        // Not a regex (bad flag), so a substring with the leading slash stripped.
        assert!(run_text(&["/usr/bin"], "path /usr/bin here").0);
        assert!(run_text(&["\\!important"], "very important").0);
        assert!(run_text(&[""], "").0);
    }

    #[test]
    fn scanning_stops_once_everything_is_decided() {
        let mut data = b"needle\n".to_vec();
        data.extend(std::iter::repeat_n(b'x', 8 * 1024 * 1024));
        let mut reader = data.as_slice();
        let run = matches_reader(&list(&["needle"]), &mut reader);
        assert!(run.success);
        assert!(
            reader.len() > 7 * 1024 * 1024,
            "read {} bytes too many",
            data.len() - reader.len()
        );
    }

    #[test]
    fn over_long_lines_fail_like_bufio() {
        let data = vec![b'x'; MAX_LINE + 10];
        let run = matches_reader(&list(&["y"]), &mut data.as_slice());
        assert_eq!(run.error.as_deref(), Some("bufio.Scanner: token too long"));
    }

    #[test]
    fn crlf_and_unterminated_last_line() {
        assert!(run_text(&["/^a$/", "/^b$/"], "a\r\nb").0);
    }

    #[test]
    fn intercept_pattern_maps_are_negated_patterns() {
        let map = |pattern: &str, invert: bool| {
            Value::Map(
                [
                    ("pattern".to_owned(), Value::from(pattern)),
                    ("invert".to_owned(), Value::Bool(invert)),
                ]
                .into(),
            )
        };
        let patterns = Value::List(vec![
            Value::from("%sudo ALL"),
            map("NOPASSWD:ALL", true),
            map("Defaults", false),
        ]);
        let ok = matches_reader(
            &patterns,
            &mut "Defaults x\n%sudo ALL=(ALL) ALL\n".as_bytes(),
        );
        assert_eq!((ok.error.as_deref(), ok.success), (None, true));
        let bad = matches_reader(
            &patterns,
            &mut "Defaults\n%sudo ALL=(ALL) NOPASSWD:ALL\n".as_bytes(),
        );
        assert!(!bad.success);
        let unknown_key = Value::List(vec![Value::Map(
            [("regex".to_owned(), Value::from("x"))].into(),
        )]);
        assert!(
            matches_reader(&unknown_key, &mut "x".as_bytes())
                .error
                .unwrap()
                .contains("pattern map")
        );
    }

    #[test]
    fn non_string_patterns_are_errors() {
        let run = matches_reader(&Value::List(vec![Value::Int(1)]), &mut "x".as_bytes());
        assert_eq!(
            run.error.as_deref(),
            Some("HavePatterns matcher expects patterns to be a string. got: \n    <int>: 1")
        );
    }
}
