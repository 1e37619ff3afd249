//! Go's builtin functions, with outputs and errors as Go's `exec_test.go` expects.

mod common;

use common::check_table;

#[test]
fn and_or_not_short_circuit() {
    check_table(&[
        ("{{and 1 0 2}}", "0"),
        ("{{and 1 2 3}}", "3"),
        ("{{or 0 \"\" 4}}", "4"),
        ("{{or 0 \"\"}}", ""),
        ("{{or 1 .Vars.nope}}", "1"),
        ("{{and 0 .Vars.nope}}", "0"),
        (
            "{{and 1 .Vars.nope}}",
            "ERROR: template: t:1:13: executing \"t\" at <.Vars.nope>: map has no entry for key \"nope\"",
        ),
        ("{{not 0}} {{not 1}} {{not .Vars.list}}", "true false false"),
        ("{{1 | and 2}}", "1"),
        (
            "{{and}}",
            "ERROR: template: t:1:2: executing \"t\" at <and>: wrong number of args for and: want at least 1 got 0",
        ),
    ]);
}

#[test]
fn comparisons() {
    check_table(&[
        (
            "{{eq 1 1}} {{eq 1 2}} {{eq \"a\" \"a\"}} {{eq 1.5 1.5}} {{eq true false}}",
            "true false true true false",
        ),
        ("{{eq 1 2 3 1}}", "true"),
        ("{{ne 1 2}} {{ne \"a\" \"a\"}}", "true false"),
        (
            "{{lt 1 2}} {{le 2 2}} {{gt 3 2}} {{ge 1 2}}",
            "true true true false",
        ),
        ("{{lt \"a\" \"b\"}} {{lt 1.5 2.5}}", "true true"),
        ("{{eq .Vars.n 3}}", "true"),
        ("{{eq (add 1 2) 3}}", "true"),
        ("{{eq .Vars.nothing nil}}", "true"),
        ("{{eq 1 nil}}", "false"),
        (
            "{{eq 1 \"1\"}}",
            "ERROR: template: t:1:2: executing \"t\" at <eq 1 \"1\">: error calling eq: incompatible types for comparison: int and string",
        ),
        (
            "{{eq 1 1.0}}",
            "ERROR: template: t:1:2: executing \"t\" at <eq 1 1.0>: error calling eq: incompatible types for comparison: int and float64",
        ),
        (
            "{{lt true false}}",
            "ERROR: template: t:1:2: executing \"t\" at <lt true false>: error calling lt: invalid type for comparison",
        ),
        (
            "{{lt .Vars.list 1}}",
            "ERROR: template: t:1:2: executing \"t\" at <lt .Vars.list 1>: error calling lt: invalid type for comparison",
        ),
        (
            "{{eq .Vars.list .Vars.list}}",
            "ERROR: template: t:1:2: executing \"t\" at <eq .Vars.list .Vars.list>: error calling eq: non-comparable type [a b c]: []interface {}",
        ),
        (
            "{{eq 1}}",
            "ERROR: template: t:1:2: executing \"t\" at <eq 1>: error calling eq: missing argument for comparison",
        ),
        (
            "{{lt 1}}",
            "ERROR: template: t:1:2: executing \"t\" at <lt>: wrong number of args for lt: want 2 got 1",
        ),
    ]);
}

#[test]
fn len_index_slice() {
    check_table(&[
        (
            "{{len \"héllo\"}} {{len .Vars.list}} {{len .Vars.map}}",
            "6 3 2",
        ),
        (
            "{{len 3}}",
            "ERROR: template: t:1:2: executing \"t\" at <len 3>: error calling len: len of type int",
        ),
        ("{{index .Vars.list 1}}", "b"),
        ("{{index .Vars \"nested\" \"inner\" \"deep\"}}", "value"),
        ("{{index \"abc\" 0}}", "97"),
        ("{{index (list (list 1 2) (list 3 4)) 1 0}}", "3"),
        (
            "{{index .Vars.list 5}}",
            "ERROR: template: t:1:2: executing \"t\" at <index .Vars.list 5>: error calling index: index out of range: 5",
        ),
        (
            "{{index .Vars.list 3}}",
            "ERROR: template: t:1:2: executing \"t\" at <index .Vars.list 3>: error calling index: reflect: slice index out of range",
        ),
        (
            "{{index .Vars.list \"x\"}}",
            "ERROR: template: t:1:2: executing \"t\" at <index .Vars.list \"x\">: error calling index: cannot index slice/array with type string",
        ),
        (
            "{{index .Vars 1}}",
            "ERROR: template: t:1:2: executing \"t\" at <index .Vars 1>: error calling index: value has type int; should be string",
        ),
        (
            "{{index nil 1}}",
            "ERROR: template: t:1:2: executing \"t\" at <index nil 1>: error calling index: index of untyped nil",
        ),
        (
            "{{index 3 1}}",
            "ERROR: template: t:1:2: executing \"t\" at <index 3 1>: error calling index: can't index item of type int",
        ),
        (
            "{{slice .Vars.list 1}} {{slice .Vars.list 1 2}}",
            "[b c] [b]",
        ),
    ]);
}

#[test]
fn print_family() {
    check_table(&[
        ("{{print 1 2 \"a\" \"b\" 3}}", "1 2ab3"),
        ("{{println 1 \"a\"}}", "1 a\n"),
        (
            "{{printf \"%05.1f|%-4d|%x|%q|%v\" 3.14159 7 255 \"hi\" .Vars.list}}",
            "003.1|7   |ff|\"hi\"|[a b c]",
        ),
        ("{{printf \"%d %s\" \"x\" 1}}", "%!d(string=x) %!s(int=1)"),
        ("{{printf \"%d\"}}", "%!d(MISSING)"),
        ("{{printf \"%d\" 1 2}}", "1%!(EXTRA int=2)"),
        (
            "{{printf \"%T %T %T\" .Vars.n (add 1 1) .Vars.map}}",
            "int int64 map[string]interface {}",
        ),
        (
            "{{printf \"%v|%+v|%#v\" .Vars.map .Vars.map .Vars.map}}",
            "map[a:1 b:2]|map[a:1 b:2]|map[string]interface {}{\"a\":1, \"b\":2}",
        ),
        ("{{printf \"%6.2f%%\" 12.345}}", " 12.35%"),
        (
            "{{printf \"%t %c %U %e %E %g %G %o %b %X\" true 65 65 1234.5 0.000012 1e21 1e-7 8 5 255}}",
            "true A U+0041 1.234500e+03 1.200000E-05 1e+21 1E-07 10 101 FF",
        ),
        ("{{printf \"%s\" nil}}", "%!s(<nil>)"),
        ("{{printf \"%v\" .Vars.nothing}}", "<nil>"),
        (
            "{{printf 3}}",
            "ERROR: template: t:1:9: executing \"t\" at <3>: expected string; found 3",
        ),
    ]);
}

#[test]
fn html_js_urlquery() {
    check_table(&[
        (
            "{{html .Vars.html}}",
            "&lt;a href=&#39;x&#39;&gt;&amp;&lt;/a&gt;",
        ),
        (
            "{{js \"a'b\\\"c<d>=&\\n\"}}",
            "a\\'b\\\"c\\u003Cd\\u003E\\u003D\\u0026\\u000A",
        ),
        ("{{urlquery \"a b&c=d/é\"}}", "a+b%26c%3Dd%2F%C3%A9"),
        ("{{html nil}}", "&lt;no value&gt;"),
        ("{{urlquery 1 2}}", "1+2"),
    ]);
}
