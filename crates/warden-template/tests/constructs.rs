//! Go's template language, construct by construct. Expected outputs follow Go's
//! documented behaviour and `text/template/exec_test.go`.

mod common;

use common::check_table;

#[test]
fn text_comments_and_trimming() {
    check_table(&[
        ("", ""),
        ("hello", "hello"),
        ("a{{/* comment */}}b", "ab"),
        ("a {{- /* comment */ -}} b", "ab"),
        ("{{/*\nmulti\nline*/}}x", "x"),
        ("x  {{- 3}}", "x3"),
        ("{{3 -}}  \n\t y", "3y"),
        ("hello- {{- 3 -}} -world", "hello-3-world"),
        ("{{-3}}", "-3"),
        ("{{- 3}}", "3"),
        ("a\n{{- \"b\" -}}\nc", "abc"),
        ("{.}} {{\"}\"}}", "{.}} }"),
    ]);
}

#[test]
fn literals() {
    check_table(&[
        ("{{1}}", "1"),
        ("{{-1}}", "-1"),
        (
            "{{0x1F}} {{0o17}} {{017}} {{0b101}} {{1_000}}",
            "31 15 15 5 1000",
        ),
        (
            "{{1.5}} {{1e3}} {{.5}} {{1e-5}} {{1e21}}",
            "1.5 1000 0.5 1e-05 1e+21",
        ),
        ("{{0x1p4}}", "16"),
        ("{{'a'}} {{'\\n'}} {{'本'}}", "97 10 26412"),
        ("{{\"a\\tb\\u00e9\\x41\"}}", "a\tbéA"),
        ("{{`raw\\n`}}", "raw\\n"),
        ("{{true}} {{false}}", "true false"),
        ("{{print nil}}", "<nil>"),
        ("{{1.0}}", "1"),
        ("{{100000000.0}}", "1e+08"),
        ("{{9223372036854775807}}", "9223372036854775807"),
    ]);
}

#[test]
fn fields_and_map_access() {
    check_table(&[
        ("{{.Vars.name}}", "warden"),
        ("{{.Vars.nested.inner.deep}}", "value"),
        ("{{.Vars.map}}", "map[a:1 b:2]"),
        ("{{.Vars.list}}", "[a b c]"),
        ("{{.Vars.f}} {{.Vars.n}} {{.Vars.yes}}", "2.5 3 true"),
        ("{{.Vars.nothing}}", "<no value>"),
        ("{{.Env.OS}}", "bullseye"),
        ("{{(.Vars.nested).inner.deep}}", "value"),
        ("{{$x := .Vars.nested}}{{$x.inner.deep}}", "value"),
        ("{{with .Vars.nested}}{{.inner.deep}}{{end}}", "value"),
        ("{{$.Vars.name}}", "warden"),
        ("{{index .Env \"UNSET\"}}|", "|"),
        ("{{index .Vars \"unset\"}}", "<no value>"),
    ]);
}

#[test]
fn variables() {
    check_table(&[
        ("{{$x := 1}}{{$x}}", "1"),
        ("{{$x := 1}}{{$x = 2}}{{$x}}", "2"),
        ("{{$x := 1}}{{if true}}{{$x = 2}}{{end}}{{$x}}", "2"),
        ("{{$x := 1}}{{if true}}{{$x := 2}}{{$x}}{{end}}{{$x}}", "21"),
        ("{{with $x := \"a\"}}{{$x}}{{.}}{{end}}", "aa"),
        ("{{$x := .Vars.name | upper}}{{$x}}", "WARDEN"),
        (
            "{{$}}",
            "map[Env:map[EMPTY: HOME:/root OS:bullseye] Vars:map[empty: f:2.5 html:<a href='x'>&</a> list:[a b c] map:map[a:1 b:2] n:3 name:warden nested:map[inner:map[deep:value]] nothing:<nil> nums:[3 1 2] yes:true]]",
        ),
    ]);
}

#[test]
fn pipelines_and_parentheses() {
    check_table(&[
        ("{{\"x\" | printf \"%s-%s\" \"a\"}}", "a-x"),
        ("{{.Vars.name | upper | printf \"<%s>\"}}", "<WARDEN>"),
        ("{{printf \"%d\" (len .Vars.list)}}", "3"),
        ("{{(dict \"a\" 1).a}}", "1"),
        (
            "{{(print 1 2).}}",
            "ERROR: template: t:1: unexpected <.> in operand",
        ),
        (
            "{{(print 1 2).x}}",
            "ERROR: template: t:1:11: executing \"t\" at <2>: can't evaluate field x in type string",
        ),
        ("{{((1))}}", "1"),
        ("{{print (print (print \"deep\"))}}", "deep"),
        (
            "{{\"hello!\" | upper | repeat 5}}",
            "HELLO!HELLO!HELLO!HELLO!HELLO!",
        ),
    ]);
}

#[test]
fn if_else_chains() {
    check_table(&[
        ("{{if true}}yes{{end}}", "yes"),
        ("{{if false}}yes{{else}}no{{end}}", "no"),
        (
            "{{if 0}}a{{else if \"\"}}b{{else if .Vars.list}}c{{else}}d{{end}}",
            "c",
        ),
        ("{{if .Vars.nothing}}a{{else}}b{{end}}", "b"),
        ("{{if .Vars.empty}}a{{else}}b{{end}}", "b"),
        ("{{if .Vars.map}}a{{end}}", "a"),
        ("{{if 0.0}}a{{else}}b{{end}}", "b"),
        ("{{if and 1 0}}a{{else}}b{{end}}", "b"),
        ("{{if or 0 \"\" 3}}a{{end}}", "a"),
        ("{{if not .Vars.yes}}a{{else}}b{{end}}", "b"),
        (
            "{{if .Env.OS | regexMatch \"[Bb]ull\"}}debian{{end}}",
            "debian",
        ),
        (
            "{{if eq .Env.OS \"alpine\" \"bullseye\"}}match{{end}}",
            "match",
        ),
    ]);
}

#[test]
fn with_and_else_with() {
    check_table(&[
        ("{{with .Vars.name}}<{{.}}>{{end}}", "<warden>"),
        ("{{with .Vars.empty}}x{{else}}empty{{end}}", "empty"),
        (
            "{{with .Vars.empty}}x{{else with .Vars.n}}{{.}}{{end}}",
            "3",
        ),
        (
            "{{with .Vars.empty}}x{{else with .Vars.nothing}}y{{else}}z{{end}}",
            "z",
        ),
        ("{{with $x := .Vars.n}}{{$x}}{{end}}", "3"),
    ]);
}

#[test]
fn range_over_lists_maps_and_ints() {
    check_table(&[
        ("{{range .Vars.list}}<{{.}}>{{end}}", "<a><b><c>"),
        (
            "{{range $i, $e := .Vars.list}}{{$i}}={{$e}} {{end}}",
            "0=a 1=b 2=c ",
        ),
        ("{{range $e := .Vars.list}}{{$e}}{{end}}", "abc"),
        (
            "{{range $k, $v := .Vars.map}}{{$k}}:{{$v}};{{end}}",
            "a:1;b:2;",
        ),
        ("{{range .Vars.map}}{{.}}{{end}}", "12"),
        (
            "{{range .Vars.empty}}x{{else}}none{{end}}",
            "ERROR: template: t:1:13: executing \"t\" at <.Vars.empty>: range can't iterate over ",
        ),
        ("{{range .Vars.nothing}}x{{else}}none{{end}}", "none"),
        ("{{range (list)}}x{{else}}none{{end}}", "none"),
        ("{{range 3}}{{.}}{{end}}", "012"),
        ("{{range $i := 3}}{{$i}}{{end}}", "012"),
        (
            "{{range $i, $j := 3}}{{end}}",
            "ERROR: template: t:1:18: executing \"t\" at <3>: can't use 3 to iterate over more than one variable",
        ),
        (
            "{{range .Vars.list}}{{if eq . \"b\"}}{{break}}{{end}}{{.}}{{end}}",
            "a",
        ),
        (
            "{{range .Vars.list}}{{if eq . \"b\"}}{{continue}}{{end}}{{.}}{{end}}",
            "ac",
        ),
        (
            "{{range $i, $e := .Vars.list}}{{range $.Vars.nums}}{{if gt . 2}}{{break}}{{end}}{{end}}{{$e}}{{end}}",
            "abc",
        ),
        (
            "{{$x := 0}}{{range .Vars.nums}}{{$x = .}}{{end}}{{$x}}",
            "2",
        ),
        (
            "{{range $i, $e := mkSlice \"/etc/PAsswD\" \"/etc/group\"}}{{$e | toLower}} {{end}}",
            "/etc/passwd /etc/group ",
        ),
        ("{{range .Vars.n}}{{.}}{{end}}", "012"),
        (
            "{{range .Vars.name}}{{.}}{{end}}",
            "ERROR: template: t:1:13: executing \"t\" at <.Vars.name>: range can't iterate over warden",
        ),
    ]);
}

#[test]
fn define_template_and_block() {
    check_table(&[
        ("{{define \"x\"}}[{{.}}]{{end}}{{template \"x\" 5}}", "[5]"),
        (
            "{{define \"x\"}}[{{.}}]{{end}}{{template \"x\"}}",
            "[<no value>]",
        ),
        (
            "{{template \"x\" .Vars.name}}{{define \"x\"}}<{{.}}>{{end}}",
            "<warden>",
        ),
        (
            "a{{block \"inner\" .Vars.name}}({{.}}){{end}}b",
            "a(warden)b",
        ),
        ("{{define \"x\"}}{{$}}{{end}}{{template \"x\" 7}}", "7"),
        (
            "{{define `rec`}}{{if gt . 0}}{{.}}{{template `rec` (sub . 1)}}{{end}}{{end}}{{template `rec` 3}}",
            "321",
        ),
        (
            "{{template \"missing\"}}",
            "ERROR: template: t:1:11: executing \"t\" at <{{template \"missing\"}}>: template \"missing\" not defined",
        ),
        (
            "{{define \"a\"}}a{{end}}{{define \"a\"}}b{{end}}",
            "ERROR: template: t:1: template: multiple definition of template \"a\"",
        ),
        (
            "{{define \"loop\"}}{{template \"loop\" .}}{{end}}{{template \"loop\" 1}}",
            "ERROR: template: t:1:28: executing \"loop\" at <{{template \"loop\" .}}>: exceeded maximum template depth (64)",
        ),
        (
            "{{define \"x\"}}{{.Vars.nope}}{{end}}{{template \"x\" .}}",
            "ERROR: template: t:1:21: executing \"x\" at <.Vars.nope>: map has no entry for key \"nope\"",
        ),
    ]);
}

#[test]
fn printing_values() {
    check_table(&[
        ("{{list 1 \"a\" 2.5 true nil}}", "[1 a 2.5 true <nil>]"),
        ("{{dict \"b\" 1 \"a\" (list 1 2)}}", "map[a:[1 2] b:1]"),
        ("{{list}}", "[]"),
        ("{{dict}}", "map[]"),
        ("{{3.0}} {{0.1}} {{-0.0}}", "3 0.1 -0"),
        ("{{float64 \"1e6\"}}", "1e+06"),
        ("{{semver \"1.2.3\"}}", "1.2.3"),
        ("{{split \",\" \"a,b\"}}", "map[_0:a _1:b]"),
    ]);
}
