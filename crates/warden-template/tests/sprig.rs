//! Sprig functions, with expectations lifted from Sprig's own tests
//! (`strings_test.go`, `list_test.go`, `dict_test.go`, …) and its documentation.

mod common;

use common::check_table;

#[test]
fn strings() {
    check_table(&[
        ("{{\"fooo\" | substr 0 3}}", "foo"),
        ("{{\"foo\" | substr 0 10}}", "foo"),
        ("{{\"foobar\" | substr -1 3}}", "foo"),
        ("{{\"foooooo\" | trunc 3}}", "foo"),
        ("{{\"baaaaaar\" | trunc -3}}", "aar"),
        ("{{\"baaaaaar\" | trunc -999}}", "baaaaaar"),
        ("{{\"baaaaaz\" | trunc 0}}", ""),
        ("{{quote \"a\" \"b\" \"c\"}}", "\"a\" \"b\" \"c\""),
        ("{{quote \"\\\"a\\\"\" \"b\"}}", "\"\\\"a\\\"\" \"b\""),
        ("{{quote 1 2 3}}", "\"1\" \"2\" \"3\""),
        ("{{.Vars.nothing | quote}}", ""),
        ("{{squote \"a\" 1}}", "'a' '1'"),
        ("{{if contains \"cat\" \"fair catch\"}}1{{end}}", "1"),
        ("{{if hasPrefix \"cat\" \"catch\"}}1{{end}}", "1"),
        ("{{if hasSuffix \"cat\" \"ducat\"}}1{{end}}", "1"),
        ("{{trim \"   5.00   \"}}", "5.00"),
        ("{{trimAll \"$\" \"$5.00$\"}}", "5.00"),
        ("{{trimPrefix \"$\" \"$5.00\"}}", "5.00"),
        ("{{trimSuffix \"$\" \"5.00$\"}}", "5.00"),
        ("{{$v := \"foo$bar$baz\" | split \"$\"}}{{$v._0}}", "foo"),
        (
            "{{$v := \"foo$bar$baz\" | splitn \"$\" 2}}{{$v._1}}",
            "bar$baz",
        ),
        ("{{splitList \",\" \"a,b,,c\"}}", "[a b  c]"),
        ("{{toString 42 | kindOf}}", "string"),
        (
            "{{$s := list 1 2 3 | toStrings}}{{index $s 1 | kindOf}}",
            "string",
        ),
        ("{{list 1 .Vars.nothing 2 | toStrings}}", "[1 2]"),
        ("{{tuple \"a\" \"b\" \"c\" | join \"-\"}}", "a-b-c"),
        ("{{tuple 1 2 3 | join \"-\"}}", "1-2-3"),
        ("{{join \"-\" .Vars.name}}", "warden"),
        ("{{list \"c\" \"a\" \"b\" | sortAlpha | join \"\"}}", "abc"),
        ("{{list 2 1 4 3 | sortAlpha | join \"\"}}", "1234"),
        ("{{abbrev 5 \"hello world\"}}", "he..."),
        ("{{abbrevboth 5 10 \"1234 5678 9123\"}}", "...5678..."),
        ("{{nospace \"h e l l o \"}}", "hello"),
        ("{{untitle \"First Try\"}}", "first try"),
        ("{{title \"hello wORLD-x\"}}", "Hello WORLD-X"),
        ("{{initials \"First Try\"}}", "FT"),
        ("{{wrap 5 \"Hello World\"}}", "Hello\nWorld"),
        ("{{wrapWith 5 \"\\t\" \"Hello World\"}}", "Hello\tWorld"),
        ("{{$b := \"b\"}}{{\"c\" | cat \"a\" $b}}", "a b c"),
        ("{{.Vars.nothing | cat \"a\" \"b\"}}", "a b"),
        ("{{indent 4 \"a\\nb\\nc\"}}", "    a\n    b\n    c"),
        ("{{nindent 4 \"a\\nb\\nc\"}}", "\n    a\n    b\n    c"),
        (
            "{{\"I Am Henry VIII\" | replace \" \" \"-\"}}",
            "I-Am-Henry-VIII",
        ),
        (
            "{{$num := len \"two\"}}{{$num}} {{$num | plural \"1 char\" \"chars\"}}",
            "3 chars",
        ),
        ("{{len \"t\" | plural \"cheese\" \"%d chars\"}}", "cheese"),
        (
            "{{upper \"héllo\"}} {{lower \"HÉLLO\"}} {{toUpper \"a\"}} {{toLower \"B\"}}",
            "HÉLLO héllo A b",
        ),
        ("{{repeat 3 \"ab\"}}", "ababab"),
        (
            "{{snakecase \"FirstName\"}} {{camelcase \"http_server\"}} {{kebabcase \"FirstName\"}}",
            "first_name HttpServer first-name",
        ),
        ("{{swapcase \"Hello World\"}}", "hELLO wORLD"),
        (
            "{{seq 5}}|{{seq -3}}|{{seq 0}}|{{seq 1 3}}|{{seq 2 -2}}|{{seq 0 2 10}}|{{seq 10 -3 1}}|{{seq 1 2 0}}",
            "1 2 3 4 5|1 0 -1 -2 -3|1 0|1 2 3|2 1 0 -1 -2|0 2 4 6 8 10|10 7 4 1|",
        ),
        ("{{hello}}", "Hello!"),
    ]);
}

#[test]
fn string_errors_are_go_panics() {
    check_table(&[
        (
            "{{repeat -1 \"x\"}}",
            "ERROR: template: t:1:2: executing \"t\" at <repeat -1 \"x\">: error calling repeat: strings: negative Repeat count",
        ),
        (
            "{{substr 5 2 \"abcdef\"}}",
            "ERROR: template: t:1:2: executing \"t\" at <substr 5 2 \"abcdef\">: error calling substr: runtime error: slice bounds out of range [5:2] with length 6",
        ),
        (
            "{{repeat (add 1 2) \"x\"}}",
            "ERROR: template: t:1:16: executing \"t\" at <2>: wrong type for value; expected int; got int64",
        ),
        (
            "{{.Vars.n | upper}}",
            "ERROR: template: t:1:12: executing \"t\" at <upper>: wrong type for value; expected string; got int",
        ),
        (
            "{{upper .Vars.nothing}}",
            "ERROR: template: t:1:13: executing \"t\" at <.Vars.nothing>: wrong type for value; expected string; got interface {}",
        ),
        (
            "{{upper 3}}",
            "ERROR: template: t:1:8: executing \"t\" at <3>: expected string; found 3",
        ),
        (
            "{{repeat \"3\" \"x\"}}",
            "ERROR: template: t:1:9: executing \"t\" at <\"3\">: expected integer; found \"3\"",
        ),
        (
            "{{upper nil}}",
            "ERROR: template: t:1:8: executing \"t\" at <nil>: cannot assign nil to string",
        ),
        (
            "{{upper}}",
            "ERROR: template: t:1:2: executing \"t\" at <upper>: wrong number of args for upper: want 1 got 0",
        ),
    ]);
}

#[test]
fn regex() {
    check_table(&[
        (
            "{{regexMatch \"^[a-z]+$\" \"abc\"}} {{regexMatch \"^\\\\d+$\" \"12a\"}}",
            "true false",
        ),
        ("{{mustRegexMatch \"a+\" \"caab\"}}", "true"),
        ("{{regexFind \"[a-zA-Z][1-9]\" \"abcd1234\"}}", "d1"),
        (
            "{{regexFindAll \"[2,4,6,8]\" \"123456789\" -1}} {{regexFindAll \"[2,4,6,8]\" \"123456789\" 2}}",
            "[2 4 6 8] [2 4]",
        ),
        (
            "{{regexReplaceAll \"a(x*)b\" \"-ab-axxb-\" \"${1}W\"}}",
            "-W-xxW-",
        ),
        (
            "{{regexReplaceAllLiteral \"a(x*)b\" \"-ab-axxb-\" \"${1}\"}}",
            "-${1}-${1}-",
        ),
        (
            "{{regexSplit \"z+\" \"pizza\" -1}} {{regexSplit \"z+\" \"pizza\" 1}}",
            "[pi a] [pizza]",
        ),
        ("{{regexQuoteMeta \"1.2.3\"}}", "1\\.2\\.3"),
        (
            "{{regexMatch \"(\" \"x\"}}",
            "ERROR: template: t:1:2: executing \"t\" at <regexMatch \"(\" \"x\">: error calling regexMatch: error parsing regexp: missing closing ): `(`",
        ),
        (
            "{{findStringSubmatch \"(?P<major>\\\\d+)\\\\.(?P<minor>\\\\d+)\" \"v1.22\"}}",
            "map[major:1 minor:22]",
        ),
        (
            "{{findStringSubmatch \"(\\\\d+)-(\\\\d+)\" \"a 10-20 b\"}}",
            "map[0:10-20 1:10 2:20]",
        ),
        ("{{(findStringSubmatch \"(?P<v>\\\\d+)\" \"x9\").v}}", "9"),
        ("{{findStringSubmatch \"z\" \"abc\"}}", "map[]"),
    ]);
}

#[test]
fn defaults_and_types() {
    check_table(&[
        ("{{default \"foo\" .Vars.empty}}", "foo"),
        ("{{\"bar\" | default \"foo\"}}", "bar"),
        (
            "{{default 42 0}} {{default 1 .Vars.nothing}} {{default \"x\" (list)}}",
            "42 1 x",
        ),
        (
            "{{empty \"\"}} {{empty 0}} {{empty (dict)}} {{empty .Vars.list}} {{empty false}}",
            "true true true false true",
        ),
        (
            "{{coalesce 0 \"\" \"x\" \"y\"}} {{coalesce 0 \"\"}}",
            "x <no value>",
        ),
        (
            "{{all 1 \"a\" true}} {{all 1 0}} {{any 0 \"\" 1}} {{any 0 \"\"}}",
            "true false true false",
        ),
        (
            "{{ternary \"yes\" \"no\" true}} {{true | ternary \"yes\" \"no\"}} {{false | ternary \"yes\" \"no\"}}",
            "yes yes no",
        ),
        (
            "{{typeOf 1}} {{typeOf (add 1 1)}} {{typeOf .Vars.list}} {{typeOf (splitList \",\" \"a\")}}",
            "int int64 []interface {} []interface {}",
        ),
        (
            "{{kindOf 1}} {{kindOf .Vars.map}} {{kindIs \"string\" \"x\"}} {{typeIs \"int\" 3}} {{typeIsLike \"semver.Version\" (semver \"1.0.0\")}}",
            "int map true true true",
        ),
        (
            "{{deepEqual (list 1 2) (list 1 2)}} {{deepEqual 1 (int64 1)}}",
            "true false",
        ),
        (
            "{{fail \"boom\"}}",
            "ERROR: template: t:1:2: executing \"t\" at <fail \"boom\">: error calling fail: boom",
        ),
    ]);
}

#[test]
fn conversions() {
    check_table(&[
        ("{{atoi \"42\"}} {{atoi \"x\"}} {{atoi \"08\"}}", "42 0 8"),
        (
            "{{int \"12\"}} {{int 3.9}} {{int \"0x10\"}} {{int \"1.00\"}} {{int \"1.5\"}} {{int true}} {{int nil}}",
            "12 3 16 1 0 1 0",
        ),
        ("{{int64 \"7\" | typeOf}}", "int64"),
        (
            "{{float64 \"1.5\"}} {{float64 2}} {{float64 \"x\"}}",
            "1.5 2 0",
        ),
        (
            "{{toDecimal \"0777\"}} {{toDecimal 777}} {{toDecimal \"9\"}}",
            "511 511 0",
        ),
        (
            "{{toString 1.5}} {{toString .Vars.list}} {{toString nil}}",
            "1.5 [a b c] <nil>",
        ),
    ]);
}

#[test]
fn math() {
    check_table(&[
        (
            "{{add 1 2 3}} {{add1 5}} {{sub 5 3}} {{div 7 2}} {{mod 7 3}} {{mul 2 3 4}}",
            "6 6 2 3 1 24",
        ),
        ("{{add \"1\" 2.9}}", "3"),
        ("{{max 1 5 3}} {{min 4 2 8}} {{biggest 1 9}}", "5 2 9"),
        ("{{maxf 1 5.5 3}} {{minf 4 2.5 8}}", "5.5 2.5"),
        (
            "{{floor 1.7}} {{ceil 1.2}} {{round 3.14159 2}} {{round 2.5 0}} {{round 2.4999 0}}",
            "1 2 3.14 3 2",
        ),
        (
            "{{addf 0.1 0.2}} {{add1f 1.5}} {{subf 1.5 0.4}} {{mulf 1.1 3}} {{divf 10 4}} {{divf 1 3}}",
            "0.3 2.5 1.1 3.3 2.5 0.3333333333333333",
        ),
        (
            "{{until 3}} {{until -2}} {{untilStep 0 10 3}} {{untilStep 3 0 -1}} {{untilStep 0 3 0}}",
            "[0 1 2] [0 -1] [0 3 6 9] [3 2 1] []",
        ),
        (
            "{{div 1 0}}",
            "ERROR: template: t:1:2: executing \"t\" at <div 1 0>: error calling div: runtime error: integer divide by zero",
        ),
        (
            "{{divf 1 0}}",
            "ERROR: template: t:1:2: executing \"t\" at <divf 1 0>: error calling divf: decimal division by zero",
        ),
    ]);
}

#[test]
fn lists() {
    check_table(&[
        ("{{list 1 2 3}}", "[1 2 3]"),
        (
            "{{first .Vars.list}} {{last .Vars.list}} {{rest .Vars.list}} {{initial .Vars.list}}",
            "a c [b c] [a b]",
        ),
        ("{{first (list)}}", "<no value>"),
        (
            "{{append .Vars.list \"d\"}} {{prepend .Vars.list \"z\"}} {{.Vars.list}}",
            "[a b c d] [z a b c] [a b c]",
        ),
        ("{{concat (list 1 2) (list 3) .Vars.list}}", "[1 2 3 a b c]"),
        (
            "{{reverse .Vars.nums}} {{uniq (list 1 2 1 3 2)}} {{without .Vars.nums 1 3}}",
            "[2 1 3] [1 2 3] [2]",
        ),
        (
            "{{has 2 .Vars.nums}} {{has \"x\" .Vars.list}} {{has 1 nil}}",
            "true false false",
        ),
        ("{{compact (list 1 0 \"\" \"a\" nil false)}}", "[1 a]"),
        (
            "{{slice .Vars.list 1 2}} {{slice .Vars.list}}",
            "[b] [a b c]",
        ),
        ("{{chunk 2 (list 1 2 3 4 5)}}", "[[1 2] [3 4] [5]]"),
        (
            "{{first \"abc\"}}",
            "ERROR: template: t:1:2: executing \"t\" at <first \"abc\">: error calling first: Cannot find first on type string",
        ),
        (
            "{{append .Vars.name 1}}",
            "ERROR: template: t:1:2: executing \"t\" at <append .Vars.name 1>: error calling append: Cannot push on type string",
        ),
        (
            "{{first nil}}",
            "ERROR: template: t:1:2: executing \"t\" at <first nil>: error calling first: runtime error: invalid memory address or nil pointer dereference",
        ),
        (
            "{{slice .Vars.list 2 5}}",
            "ERROR: template: t:1:2: executing \"t\" at <slice .Vars.list 2 5>: error calling slice: reflect.Value.Slice: slice index out of bounds",
        ),
    ]);
}

#[test]
fn dicts() {
    check_table(&[
        (
            "{{$d := dict \"a\" 1 \"b\" 2}}{{$d}} {{get $d \"a\"}} {{get $d \"z\"}}|",
            "map[a:1 b:2] 1 |",
        ),
        ("{{dict \"odd\"}}", "map[odd:]"),
        ("{{$d := dict}}{{$_ := set $d \"k\" \"v\"}}{{$d.k}}", "v"),
        (
            "{{$d := dict \"a\" 1 \"b\" 2}}{{$_ := unset $d \"a\"}}{{$d}}",
            "map[b:2]",
        ),
        (
            "{{hasKey .Vars \"name\"}} {{hasKey .Vars \"zzz\"}}",
            "true false",
        ),
        ("{{keys .Vars.map}} {{values .Vars.map}}", "[a b] [1 2]"),
        (
            "{{pluck \"a\" (dict \"a\" 1) (dict \"b\" 2) (dict \"a\" 3)}}",
            "[1 3]",
        ),
        (
            "{{pick .Vars.map \"a\"}} {{omit .Vars.map \"a\"}}",
            "map[a:1] map[b:2]",
        ),
        (
            "{{$dst := dict \"a\" 1 \"n\" (dict \"x\" 1)}}{{merge $dst (dict \"a\" 2 \"b\" 3 \"n\" (dict \"x\" 2 \"y\" 2))}}",
            "map[a:1 b:3 n:map[x:1 y:2]]",
        ),
        (
            "{{$dst := dict \"a\" 1 \"k\" true}}{{mergeOverwrite $dst (dict \"a\" 2 \"k\" false)}}",
            "map[a:2 k:false]",
        ),
        (
            "{{dig \"nested\" \"inner\" \"deep\" \"none\" .Vars}} {{dig \"nested\" \"zzz\" \"none\" .Vars}}",
            "value none",
        ),
        (
            "{{$c := deepCopy .Vars.map}}{{$_ := set $c \"z\" 0}}{{len .Vars.map}} {{len $c}}",
            "2 3",
        ),
        (
            "{{keys .Env}}",
            "ERROR: template: t:1:7: executing \"t\" at <.Env>: wrong type for value; expected map[string]interface {}; got map[string]string",
        ),
        ("{{$d := dict}}{{$_ := set $d \"self\" $d}}{{len $d}}", "1"),
    ]);
}

#[test]
fn encodings_and_hashes() {
    check_table(&[
        (
            "{{b64enc \"coffee\"}} {{b64dec \"Y29mZmVl\"}}",
            "Y29mZmVl coffee",
        ),
        (
            "{{b32enc \"coffee\"}} {{b32dec \"MNXWMZTFMU======\"}}",
            "MNXWMZTFMU====== coffee",
        ),
        ("{{b64dec \"!!\"}}", "illegal base64 data at input byte 0"),
        (
            "{{toJson .Vars.map}} {{toJson .Vars.html}}",
            "{\"a\":1,\"b\":2} \"\\u003ca href='x'\\u003e\\u0026\\u003c/a\\u003e\"",
        ),
        ("{{toRawJson .Vars.html}}", "\"<a href='x'>&</a>\""),
        (
            "{{toPrettyJson (dict \"a\" (list 1 2.5))}}",
            "{\n  \"a\": [\n    1,\n    2.5\n  ]\n}",
        ),
        (
            "{{toJson (semver \"1.2.3\")}} {{toJson nil}}",
            "\"1.2.3\" null",
        ),
        (
            "{{(fromJson \"{\\\"a\\\": [1, 2]}\").a}} {{fromJson \"nope\"}}",
            "[1 2] <no value>",
        ),
        ("{{mustFromJson \"1\" | typeOf}}", "float64"),
        (
            "{{sha1sum \"abc\"}}",
            "a9993e364706816aba3e25717850c26c9cd0d89d",
        ),
        (
            "{{sha256sum \"abc\"}}",
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
        ),
        ("{{adler32sum \"Wikipedia\"}}", "300286872"),
        (
            "{{mustToJson (float64 \"NaN\")}}",
            "ERROR: template: t:1:2: executing \"t\" at <mustToJson (float64 \"NaN\")>: error calling mustToJson: json: unsupported value: NaN",
        ),
    ]);
}

#[test]
fn environment_files_and_paths() {
    check_table(&[
        ("{{env \"HOME\"}} {{env \"NOPE\"}}|", "/root |"),
        (
            "{{expandenv \"$HOME/x ${OS} $NOPE ${} $$ $\"}}",
            "/root/x bullseye    $",
        ),
        (
            "{{getEnv \"OS\"}} {{getEnv \"NOPE\" \"dflt\"}} {{getEnv \"EMPTY\" \"dflt\"}} {{getEnv \"NOPE\"}}|",
            "bullseye dflt dflt |",
        ),
        ("{{readFile \"/etc/motd\"}}|", "welcome|"),
        (
            "{{readFile \"/nope\"}}",
            "ERROR: template: t:1:2: executing \"t\" at <readFile \"/nope\">: error calling readFile: open /nope: no such file or directory",
        ),
        (
            "{{base \"/a/b.txt\"}} {{dir \"/a/b.txt\"}} {{ext \"/a/b.txt\"}} {{clean \"a//b/../c\"}} {{isAbs \"/a\"}} {{isAbs \"a\"}}",
            "b.txt /a .txt a/c true false",
        ),
        ("{{base \"\"}} {{base \"///\"}} {{dir \"x\"}}", ". / ."),
    ]);
}

#[test]
fn semver() {
    check_table(&[
        (
            "{{semverCompare \">=1.2.0\" \"1.3.0\"}} {{semverCompare \"^2\" \"1.9.0\"}}",
            "true false",
        ),
        (
            "{{semverCompare \"~1.2\" \"1.2.9\"}} {{semverCompare \"1.2 - 1.4\" \"1.4.0\"}}",
            "true true",
        ),
        (
            "{{(semver \"1.2.3-beta+b1\").Major}} {{(semver \"1.2.3-beta\").Prerelease}} {{(semver \"v1.2\").String}} {{(semver \"v1.2\").Original}}",
            "1 beta 1.2.0 v1.2",
        ),
        (
            "{{(semver \"1.2.3\").Compare (semver \"1.3.0\")}} {{(semver \"2.0.0\").GreaterThan (semver \"1.0.0\")}}",
            "-1 true",
        ),
        (
            "{{semver \"x.y\"}}",
            "ERROR: template: t:1:2: executing \"t\" at <semver \"x.y\">: error calling semver: Invalid Semantic Version",
        ),
        (
            "{{semverCompare \"!!\" \"1.0.0\"}}",
            "ERROR: template: t:1:2: executing \"t\" at <semverCompare \"!!\" \"1.0.0\">: error calling semverCompare: improper constraint: !!",
        ),
    ]);
}

/// Every function of Sprig 3.3's `TxtFuncMap` (`functions.go`), which goss
/// passes to its templates: each must be known to the parser.
const SPRIG_TXT_FUNC_MAP: &[&str] = &[
    "hello",
    "ago",
    "date",
    "date_in_zone",
    "date_modify",
    "dateInZone",
    "dateModify",
    "duration",
    "durationRound",
    "htmlDate",
    "htmlDateInZone",
    "must_date_modify",
    "mustDateModify",
    "mustToDate",
    "now",
    "toDate",
    "unixEpoch",
    "abbrev",
    "abbrevboth",
    "trunc",
    "trim",
    "upper",
    "lower",
    "title",
    "untitle",
    "substr",
    "repeat",
    "trimall",
    "trimAll",
    "trimSuffix",
    "trimPrefix",
    "nospace",
    "initials",
    "randAlphaNum",
    "randAlpha",
    "randAscii",
    "randNumeric",
    "swapcase",
    "shuffle",
    "snakecase",
    "camelcase",
    "kebabcase",
    "wrap",
    "wrapWith",
    "contains",
    "hasPrefix",
    "hasSuffix",
    "quote",
    "squote",
    "cat",
    "indent",
    "nindent",
    "replace",
    "plural",
    "sha1sum",
    "sha256sum",
    "sha512sum",
    "adler32sum",
    "toString",
    "atoi",
    "int64",
    "int",
    "float64",
    "seq",
    "toDecimal",
    "split",
    "splitList",
    "splitn",
    "toStrings",
    "until",
    "untilStep",
    "add1",
    "add",
    "sub",
    "div",
    "mod",
    "mul",
    "randInt",
    "add1f",
    "addf",
    "subf",
    "divf",
    "mulf",
    "biggest",
    "max",
    "min",
    "maxf",
    "minf",
    "ceil",
    "floor",
    "round",
    "join",
    "sortAlpha",
    "default",
    "empty",
    "coalesce",
    "all",
    "any",
    "compact",
    "mustCompact",
    "fromJson",
    "toJson",
    "toPrettyJson",
    "toRawJson",
    "mustFromJson",
    "mustToJson",
    "mustToPrettyJson",
    "mustToRawJson",
    "ternary",
    "deepCopy",
    "mustDeepCopy",
    "typeOf",
    "typeIs",
    "typeIsLike",
    "kindOf",
    "kindIs",
    "deepEqual",
    "env",
    "expandenv",
    "getHostByName",
    "base",
    "dir",
    "clean",
    "ext",
    "isAbs",
    "osBase",
    "osClean",
    "osDir",
    "osExt",
    "osIsAbs",
    "b64enc",
    "b64dec",
    "b32enc",
    "b32dec",
    "tuple",
    "list",
    "dict",
    "get",
    "set",
    "unset",
    "hasKey",
    "pluck",
    "keys",
    "pick",
    "omit",
    "merge",
    "mergeOverwrite",
    "mustMerge",
    "mustMergeOverwrite",
    "values",
    "append",
    "push",
    "mustAppend",
    "mustPush",
    "prepend",
    "mustPrepend",
    "first",
    "mustFirst",
    "rest",
    "mustRest",
    "last",
    "mustLast",
    "initial",
    "mustInitial",
    "reverse",
    "mustReverse",
    "uniq",
    "mustUniq",
    "without",
    "mustWithout",
    "has",
    "mustHas",
    "slice",
    "mustSlice",
    "concat",
    "dig",
    "chunk",
    "mustChunk",
    "bcrypt",
    "htpasswd",
    "genPrivateKey",
    "derivePassword",
    "buildCustomCert",
    "genCA",
    "genCAWithKey",
    "genSelfSignedCert",
    "genSelfSignedCertWithKey",
    "genSignedCert",
    "genSignedCertWithKey",
    "encryptAES",
    "decryptAES",
    "randBytes",
    "uuidv4",
    "semver",
    "semverCompare",
    "fail",
    "regexMatch",
    "mustRegexMatch",
    "regexFindAll",
    "mustRegexFindAll",
    "regexFind",
    "mustRegexFind",
    "regexReplaceAll",
    "mustRegexReplaceAll",
    "regexReplaceAllLiteral",
    "mustRegexReplaceAllLiteral",
    "regexSplit",
    "mustRegexSplit",
    "regexQuoteMeta",
    "urlParse",
    "urlJoin",
];

#[test]
fn every_sprig_function_is_registered() {
    assert_eq!(SPRIG_TXT_FUNC_MAP.len(), 211);
    let missing: Vec<&str> = SPRIG_TXT_FUNC_MAP
        .iter()
        .copied()
        .filter(|name| common::out(&format!("{{{{if false}}}}{{{{{name}}}}}{{{{end}}}}ok")) != "ok")
        .collect();
    assert!(missing.is_empty(), "not registered: {missing:?}");
    check_table(&[
        ("{{if false}}{{now}}{{end}}ok", "ok"),
        ("{{uuidv4 | len}}", "36"),
    ]);
}
