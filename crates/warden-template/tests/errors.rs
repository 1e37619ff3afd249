//! Parse and execution errors: Go's messages (from `parse_test.go`'s errorTests
//! and `exec_test.go`), each with the right line and column.

mod common;

use common::run;
use warden_template::ErrorKind;

/// (template, Go's error text, line, column)
fn assert_errors(cases: &[(&str, &str, usize, usize)]) {
    let mut failures = Vec::new();
    for &(source, text, line, column) in cases {
        match run(source) {
            Ok(out) => failures.push(format!("  {source:?}: rendered {out:?}")),
            Err(e) if e.to_string() != text || e.line != line || e.column != column => failures
                .push(format!(
                    "  {source:?}\n    want {text:?} at {line}:{column}\n    got  {:?} at {}:{}",
                    e.to_string(),
                    e.line,
                    e.column
                )),
            Err(_) => {}
        }
    }
    assert!(
        failures.is_empty(),
        "{} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn parse_errors_match_go() {
    assert_errors(&[
        ("line1\n{{", "template: t:2: unclosed action", 2, 2),
        ("line1\n{{ .Foo ", "template: t:2: unclosed action", 2, 8),
        (
            "line1\n{{define `x`}}line2\n{{",
            "template: t:3: unclosed action",
            3,
            2,
        ),
        (
            "line1\n{{\"x\"\n\"y\"\n",
            "template: t:4: unclosed action started at t:2",
            4,
            0,
        ),
        (
            "{{\n\n\n\n\n",
            "template: t:6: unclosed action started at t:1",
            6,
            0,
        ),
        (
            "line1\n{{\nx\n}}",
            "template: t:3: function \"x\" not defined",
            3,
            0,
        ),
        (
            "{{foo}}",
            "template: t:1: function \"foo\" not defined",
            1,
            2,
        ),
        ("{{/*}}", "template: t:1: unclosed comment", 1, 2),
        ("{{/*\nhello\n}}", "template: t:1: unclosed comment", 1, 2),
        ("{{.X (1 2 3}}", "template: t:1: unclosed left paren", 1, 11),
        (
            "{{.X 1 2 3 ) }}",
            "template: t:1: unexpected right paren",
            1,
            11,
        ),
        ("{{(.X 1 2 3", "template: t:1: unclosed action", 1, 11),
        (
            "{{`x`3}}",
            "template: t:1: unexpected \"3\" in operand",
            1,
            5,
        ),
        ("{{a#}}", "template: t:1: bad character U+0023 '#'", 1, 2),
        (
            "{{'a}}",
            "template: t:1: unterminated character constant",
            1,
            2,
        ),
        ("{{\"a}}", "template: t:1: unterminated quoted string", 1, 2),
        (
            "{{`a}}",
            "template: t:1: unterminated raw quoted string",
            1,
            2,
        ),
        (
            "{{0xi}}",
            "template: t:1: illegal number syntax: \"0xi\"",
            1,
            2,
        ),
        (
            "{{define `a`}}a{{end}}{{define `a`}}b{{end}}",
            "template: t:1: template: multiple definition of template \"a\"",
            1,
            42,
        ),
        ("{{range .X}}", "template: t:1: unexpected EOF", 1, 12),
        (
            "{{$x := 23}}{{with $x.y := 3}}{{$x 23}}{{end}}",
            "template: t:1: unexpected \":=\" in operand",
            1,
            24,
        ),
        (
            "{{$a,$b,$c := 23}}",
            "template: t:1: too many declarations in command",
            1,
            4,
        ),
        ("{{$a}}", "template: t:1: undefined variable \"$a\"", 1, 2),
        (
            "{{true.any}}",
            "template: t:1: unexpected . after term \"true\"",
            1,
            6,
        ),
        (
            "{{12|false}}",
            "template: t:1: non executable command in pipeline stage 2",
            1,
            10,
        ),
        (
            "{{ ( ) }}",
            "template: t:1: missing value for parenthesized pipeline",
            1,
            5,
        ),
        (
            "{{ $v := `\n` }} {{",
            "template: t:2: unclosed action",
            2,
            7,
        ),
        (
            "{{range $k}}{{end}}",
            "template: t:1: undefined variable \"$k\"",
            1,
            8,
        ),
        (
            "{{range $k,}}{{end}}",
            "template: t:1: missing value for range",
            1,
            11,
        ),
        (
            "{{range $k, .}}{{end}}",
            "template: t:1: range can only initialize variables",
            1,
            12,
        ),
        (
            "{{range $k, 123 := .}}{{end}}",
            "template: t:1: range can only initialize variables",
            1,
            12,
        ),
        ("{{end}}", "template: t:1: unexpected {{end}}", 1, 5),
        ("{{else}}", "template: t:1: unexpected {{else}}", 1, 6),
        ("{{if}}{{end}}", "template: t:1: missing value for if", 1, 4),
        (
            "{{if .X}}a{{else}}b{{else}}c{{end}}",
            "template: t:1: expected end; found {{else}}",
            1,
            25,
        ),
        (
            "{{break}}",
            "template: t:1: {{break}} outside {{range}}",
            1,
            7,
        ),
        (
            "{{range .X}}{{continue 1}}{{end}}",
            "template: t:1: unexpected \"1\" in {{continue}}",
            1,
            23,
        ),
        (
            "{{template .X}}",
            "template: t:1: unexpected \".X\" in template clause",
            1,
            11,
        ),
        ("{{\"\\q\"}}", "template: t:1: invalid syntax", 1, 2),
        ("{{3k}}", "template: t:1: bad number syntax: \"3k\"", 1, 2),
        (
            "{{99999999999999999999}}",
            "template: t:1: integer overflow: \"99999999999999999999\"",
            1,
            2,
        ),
        (
            "a\n  {{ x := 3 }}",
            "template: t:2: function \"x\" not defined",
            2,
            5,
        ),
    ]);
}

#[test]
fn execution_errors_match_go() {
    assert_errors(&[
        (
            "{{.Vars.x}}",
            "template: t:1:7: executing \"t\" at <.Vars.x>: map has no entry for key \"x\"",
            1,
            7,
        ),
        (
            "a\nb {{ .Vars.nested.nope }}",
            "template: t:2:10: executing \"t\" at <.Vars.nested.nope>: map has no entry for key \"nope\"",
            2,
            10,
        ),
        (
            "{{.Vars.name.x}}",
            "template: t:1:7: executing \"t\" at <.Vars.name.x>: can't evaluate field x in type interface {}",
            1,
            7,
        ),
        (
            "{{$n := .Vars.name}}{{$n.x}}",
            "template: t:1:24: executing \"t\" at <$n.x>: can't evaluate field x in type string",
            1,
            24,
        ),
        (
            "{{.Vars.nothing.x}}",
            "template: t:1:7: executing \"t\" at <.Vars.nothing.x>: nil pointer evaluating interface {}.x",
            1,
            7,
        ),
        (
            "{{$n := .Vars.nothing}}{{$n.x}}",
            "template: t:1:27: executing \"t\" at <$n.x>: nil data; no entry for key \"x\"",
            1,
            27,
        ),
        (
            "{{.Vars.name 1}}",
            "template: t:1:7: executing \"t\" at <.Vars.name>: name is not a method but has arguments",
            1,
            7,
        ),
        (
            "{{1 2}}",
            "template: t:1:2: executing \"t\" at <1>: can't give argument to non-function 1",
            1,
            2,
        ),
        (
            "{{nil}}",
            "template: t:1:2: executing \"t\" at <nil>: nil is not a command",
            1,
            2,
        ),
        (
            "x\n{{index .Vars.list 9}}",
            "template: t:2:2: executing \"t\" at <index .Vars.list 9>: error calling index: index out of range: 9",
            2,
            2,
        ),
        (
            "{{len}}",
            "template: t:1:2: executing \"t\" at <len>: wrong number of args for len: want 1 got 0",
            1,
            2,
        ),
        (
            "{{printf}}",
            "template: t:1:2: executing \"t\" at <printf>: wrong number of args for printf: want at least 1 got 0",
            1,
            2,
        ),
        (
            "{{template \"nope\"}}",
            "template: t:1:11: executing \"t\" at <{{template \"nope\"}}>: template \"nope\" not defined",
            1,
            11,
        ),
        (
            "{{1i}}",
            "template: t:1:2: executing \"t\" at <1i>: complex constant 1i is not supported",
            1,
            2,
        ),
    ]);
}

#[test]
fn error_kinds_and_fields() {
    let parse = run("x\n {{ nope }}").unwrap_err();
    assert_eq!(
        (parse.line, parse.column, parse.kind.clone()),
        (2, 4, ErrorKind::Parse)
    );
    assert_eq!(parse.message, "function \"nope\" not defined");
    assert_eq!(parse.name, "t");

    let exec =
        run("{{define \"inner\"}}{{.missing}}{{end}}\n{{template \"inner\" .Vars}}").unwrap_err();
    assert_eq!(
        exec.kind,
        ErrorKind::Exec {
            template: "inner".into(),
            context: ".missing".into()
        }
    );
    assert_eq!((exec.line, exec.column), (1, 20));
}
