//! Sprig's functions that reach past their arguments: dates (with a fixed clock
//! and zone), randomness, the network, URLs and cryptography. Deterministic
//! functions are checked against Sprig's own expected outputs (`date_test.go`,
//! `crypto_test.go`, `url_test.go`); random and cryptographic ones by shape and
//! by round trips through independent implementations.

#![allow(clippy::unwrap_used)]

mod common;

use common::FakeHost;
use warden_template::{Limits, TemplateError, render, render_with_limits};
use warden_value::Value;

/// 2019-06-13 20:39:39 UTC, the instant Sprig's date tests use.
const SPRIG_INSTANT: i64 = 1_560_458_379;

fn world(tz: &str) -> FakeHost {
    let mut host = FakeHost::default();
    host.env.insert("TZ".into(), tz.into());
    host.clock = Some(time::OffsetDateTime::from_unix_timestamp(SPRIG_INSTANT).unwrap());
    host.hosts
        .insert("db.internal".into(), vec!["10.1.2.3".into()]);
    host
}

fn data() -> Value {
    Value::Map(
        [(
            "Vars".to_owned(),
            Value::Map(
                [
                    ("epoch".to_owned(), Value::Int(SPRIG_INSTANT)),
                    ("text".to_owned(), Value::from("13 Jun 19 20:39 GMT")),
                ]
                .into_iter()
                .collect(),
            ),
        )]
        .into_iter()
        .collect(),
    )
}

fn run_in(host: &FakeHost, source: &str) -> Result<String, TemplateError> {
    render("t", source, &data(), host)
}

fn out_in(host: &FakeHost, source: &str) -> String {
    match run_in(host, source) {
        Ok(s) => s,
        Err(e) => format!("ERROR: {e}"),
    }
}

fn check(host: &FakeHost, cases: &[(&str, &str)]) {
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|(source, want)| {
            let got = out_in(host, source);
            (got != *want).then(|| format!("  {source:?}\n    want {want:?}\n    got  {got:?}"))
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn dates_match_sprig() {
    let utc = world("UTC");
    check(
        &utc,
        &[
            // date_test.go
            (
                "{{toDate \"2006-01-02\" \"2017-12-31\" | date \"02/01/2006\"}}",
                "31/12/2017",
            ),
            (
                "{{date_in_zone \"02 Jan 06 15:04 -0700\" .Vars.epoch \"UTC\"}}",
                "13 Jun 19 20:39 +0000",
            ),
            (
                "{{dateInZone \"02 Jan 06 15:04 -0700\" .Vars.epoch \"foobar\"}}",
                "13 Jun 19 20:39 +0000",
            ),
            (
                "{{dateInZone \"02 Jan 06 15:04 -0700\" (int64 .Vars.epoch) \"UTC\"}}",
                "13 Jun 19 20:39 +0000",
            ),
            (
                "{{dateInZone \"02 Jan 06 15:04 -0700\" \"\" \"UTC\"}}",
                "13 Jun 19 20:39 +0000",
            ),
            (
                "{{unixEpoch (toDate \"02 Jan 06 15:04:05 MST\" \"13 Jun 19 20:39:39 GMT\")}}",
                "1560458379",
            ),
            ("{{durationRound \"2h5s\"}}", "2h"),
            ("{{durationRound \"24h5s\"}}", "1d"),
            ("{{durationRound \"2400h5s\"}}", "3m"),
            ("{{durationRound \"87600h5s\"}}", "10y"),
            ("{{durationRound \"-90s\"}}", "1m"),
            ("{{durationRound 3}}", "0s"),
            ("{{durationRound (int64 3000000000)}}", "3s"),
            // The clock comes from the host.
            (
                "{{now | date \"2006-01-02T15:04:05Z07:00\"}}",
                "2019-06-13T20:39:39Z",
            ),
            ("{{htmlDate .Vars.epoch}}", "2019-06-13"),
            ("{{htmlDate 0}}", "1970-01-01"),
            (
                "{{htmlDateInZone .Vars.epoch \"Asia/Tokyo\"}}",
                "2019-06-14",
            ),
            ("{{ago .Vars.epoch}}", "0s"),
            ("{{ago (sub .Vars.epoch 125)}}", "2m5s"),
            ("{{ago (add .Vars.epoch 5)}}", "-5s"),
            (
                "{{ago (toDate \"2006-01-02\" \"2019-06-13\")}}",
                "20h39m39s",
            ),
            (
                "{{durationRound (toDate \"2006-01-02\" \"2019-06-13\")}}",
                "20h",
            ),
            ("{{duration \"95\"}}", "1m35s"),
            ("{{duration (int64 3600)}}", "1h0m0s"),
            ("{{duration 95}}", "0s"),
            ("{{duration \"x\"}}", "0s"),
            ("{{now | dateModify \"-1.5h\" | date \"15:04\"}}", "19:09"),
            ("{{now | date_modify \"bogus\" | date \"15:04\"}}", "20:39"),
            ("{{now | mustDateModify \"90m\" | date \"15:04\"}}", "22:09"),
            (
                "{{now | mustDateModify \"1d\"}}",
                "ERROR: template: t:1:8: executing \"t\" at <mustDateModify \"1d\">: error calling mustDateModify: time: unknown unit \"d\" in duration \"1d\"",
            ),
            (
                "{{mustToDate \"2006-01-02\" \"2019-13-01\"}}",
                "ERROR: template: t:1:2: executing \"t\" at <mustToDate \"2006-01-02\" \"2019-13-01\">: error calling mustToDate: parsing time \"2019-13-01\": month out of range",
            ),
            (
                "{{toDate \"2006-01-02\" \"junk\"}}",
                "0001-01-01 00:00:00 +0000 UTC",
            ),
            (
                "{{toDate \"2006-01-02\" \"2019-06-13\"}}",
                "2019-06-13 00:00:00 +0000 UTC",
            ),
            (
                "{{toDate \"2006-01-02\" \"2019-06-13\" | toJson}}",
                "\"2019-06-13T00:00:00Z\"",
            ),
            (
                "{{typeOf now}} {{kindOf now}} {{empty now}}",
                "time.Time struct false",
            ),
            // time.Time methods.
            (
                "{{now.Year}} {{now.YearDay}} {{now.Hour}} {{now.Unix}} {{now.UTC.Format \"Jan 2\"}}",
                "2019 164 20 1560458379 Jun 13",
            ),
            (
                "{{(toDate \"2006-01-02\" \"2020-01-31\").AddDate 0 1 0 | date \"2006-01-02\"}}",
                "2020-03-02",
            ),
            (
                "{{$a := toDate \"2006\" \"2019\"}}{{$b := toDate \"2006\" \"2020\"}}{{$a.Before $b}} {{$b.After $a}} {{$a.Equal $a}}",
                "true true true",
            ),
            ("{{(toDate \"2006\" \"x\").IsZero}}", "true"),
            (
                "{{dateModify \"1h\" 5}}",
                "ERROR: template: t:1:18: executing \"t\" at <5>: can't handle 5 for arg of type time.Time",
            ),
        ],
    );
    // Local is the host's TZ.
    let tokyo = world("Asia/Tokyo");
    check(
        &tokyo,
        &[
            (
                "{{now | date \"2006-01-02 15:04 MST -0700\"}}",
                "2019-06-14 05:39 JST +0900",
            ),
            (
                "{{dateInZone \"15:04 MST\" now \"America/New_York\"}}",
                "16:39 EDT",
            ),
            (
                "{{toDate \"2006-01-02 15:04\" \"2019-06-14 05:39\" | unixEpoch}}",
                "1560458340",
            ),
            ("{{now.Local.Hour}} {{now.UTC.Hour}}", "5 20"),
        ],
    );
}

#[test]
fn printed_times_carry_go_string_form() {
    let host = world("UTC");
    let printed = out_in(&host, "{{now}}");
    assert!(
        printed.starts_with("2019-06-13 20:39:39 +0000 UTC m=+"),
        "{printed}"
    );
    assert_eq!(
        out_in(&host, "{{now | dateModify \"1s\" | date \"05\"}}"),
        "40"
    );
}

#[test]
fn randomness_has_sprig_shapes() {
    let host = world("UTC");
    let shape = |source: &str| out_in(&host, source);
    let alnum = shape("{{randAlphaNum 40}}");
    assert_eq!(alnum.len(), 40);
    assert!(alnum.bytes().all(|b| b.is_ascii_alphanumeric()));
    let alpha = shape("{{randAlpha 40}}");
    assert!(alpha.len() == 40 && alpha.bytes().all(|b| b.is_ascii_alphabetic()));
    let digits = shape("{{randNumeric 40}}");
    assert!(digits.len() == 40 && digits.bytes().all(|b| b.is_ascii_digit()));
    let ascii = shape("{{randAscii 40}}");
    assert!(ascii.len() == 40 && ascii.bytes().all(|b| (32..127).contains(&b)));
    assert_eq!(shape("{{randAlpha -3}}|{{randAlpha 0}}"), "|");
    for _ in 0..50 {
        let n: i64 = shape("{{randInt 5 8}}").parse().unwrap();
        assert!((5..8).contains(&n));
    }
    assert!(shape("{{randInt 3 3}}").contains("invalid argument to Intn"));
    let bytes = shape("{{randBytes 24}}");
    assert_eq!(bytes.len(), 32);
    assert!(shape("{{randBytes -1}}").contains("makeslice: len out of range"));
    let uuid = shape("{{uuidv4}}");
    assert_eq!(uuid.len(), 36);
    assert_eq!(uuid.as_bytes()[14], b'4');
    assert!(matches!(uuid.as_bytes()[19], b'8' | b'9' | b'a' | b'b'));
    assert_ne!(uuid, shape("{{uuidv4}}"));
    let shuffled = shape("{{shuffle \"héllo world\"}}");
    let mut a: Vec<char> = shuffled.chars().collect();
    let mut b: Vec<char> = "héllo world".chars().collect();
    a.sort_unstable();
    b.sort_unstable();
    assert_eq!(a, b);
    assert!(shape("{{randAlphaNum 100000000}}").contains("exceeds the limit"));
}

#[test]
fn network_and_urls_match_sprig() {
    let host = world("UTC");
    check(
        &host,
        &[
            ("{{getHostByName \"db.internal\"}}", "10.1.2.3"),
            (
                "{{getHostByName \"nowhere.invalid\"}}",
                "ERROR: template: t:1:2: executing \"t\" at <getHostByName \"nowhere.invalid\">: error calling getHostByName: invalid argument to Intn",
            ),
            // url_test.go
            (
                "{{$u := urlParse \"proto://auth@host:80/path?query#fragment\"}}{{$u.scheme}}|{{$u.host}}|{{$u.hostname}}|{{$u.path}}|{{$u.query}}|{{$u.fragment}}|{{$u.userinfo}}|{{$u.opaque}}",
                "proto|host:80|host|/path|query|fragment|auth|",
            ),
            ("{{(urlParse \"proto://host:80/path\").userinfo}}", ""),
            ("{{(urlParse \"something\").path}}", "something"),
            (
                "{{(urlParse \"proto://user:passwor%20d@host:80/path\").userinfo}}",
                "user:passwor%20d",
            ),
            (
                "{{$u := urlParse \"proto://host:80/pa%20th?key=val%20ue\"}}{{$u.path}}|{{$u.query}}",
                "/pa th|key=val%20ue",
            ),
            (
                "{{urlJoin (dict \"fragment\" \"fragment\" \"host\" \"host:80\" \"path\" \"/path\" \"query\" \"query\" \"scheme\" \"proto\")}}",
                "proto://host:80/path?query#fragment",
            ),
            (
                "{{urlJoin (dict \"fragment\" \"fragment\" \"host\" \"host:80\" \"path\" \"/path\" \"scheme\" \"proto\" \"userinfo\" \"ASDJKJSD\")}}",
                "proto://ASDJKJSD@host:80/path#fragment",
            ),
            (
                "{{urlParse \"https://example.com/a b\" | urlJoin}}",
                "https://example.com/a%20b",
            ),
            (
                "{{urlParse \":x\"}}",
                "ERROR: template: t:1:2: executing \"t\" at <urlParse \":x\">: error calling urlParse: unable to parse url: parse \":x\": missing protocol scheme",
            ),
            (
                "{{urlJoin (dict \"host\" 3)}}",
                "ERROR: template: t:1:2: executing \"t\" at <urlJoin (dict \"host\" 3)>: error calling urlJoin: unable to parse host key, must be of type string, but int found",
            ),
        ],
    );
}

#[test]
fn deterministic_crypto_matches_sprig() {
    let host = world("UTC");
    check(
        &host,
        &[
            // crypto_test.go
            (
                "{{derivePassword 1 \"long\" \"password\" \"user\" \"example.com\"}}",
                "ZedaFaxcZaso9*",
            ),
            (
                "{{derivePassword 2 \"long\" \"password\" \"user\" \"example.com\"}}",
                "Fovi2@JifpTupx",
            ),
            (
                "{{derivePassword 1 \"maximum\" \"password\" \"user\" \"example.com\"}}",
                "pf4zS1LjCg&LjhsZ7T2~",
            ),
            (
                "{{derivePassword 1 \"medium\" \"password\" \"user\" \"example.com\"}}",
                "ZedJuz8$",
            ),
            (
                "{{derivePassword 1 \"basic\" \"password\" \"user\" \"example.com\"}}",
                "pIS54PLs",
            ),
            (
                "{{derivePassword 1 \"short\" \"password\" \"user\" \"example.com\"}}",
                "Zed5",
            ),
            (
                "{{derivePassword 1 \"pin\" \"password\" \"user\" \"example.com\"}}",
                "6685",
            ),
            (
                "{{derivePassword 1 \"nope\" \"p\" \"u\" \"s\"}}",
                "cannot find password template nope",
            ),
            (
                "{{derivePassword -1 \"pin\" \"p\" \"u\" \"s\"}}",
                "ERROR: template: t:1:17: executing \"t\" at <-1>: expected unsigned integer; found -1",
            ),
            (
                "{{\"abc\" | sha512sum}}",
                "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
            ),
            (
                "{{\"abc\" | sha256sum}}",
                "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
            ),
            (
                "{{\"plaintext\" | encryptAES \"secretkey\" | decryptAES \"secretkey\"}}",
                "plaintext",
            ),
            ("{{encryptAES \"k\" \"\"}}|{{decryptAES \"k\" \"\"}}", "|"),
            (
                "{{htpasswd \"wrongus:er\" \"x\"}}",
                "invalid username: wrongus:er",
            ),
            ("{{genPrivateKey \"bad\"}}", "Unknown type bad"),
            (
                "{{decryptAES \"k\" \"c2hvcnQ=\"}}",
                "ERROR: template: t:1:2: executing \"t\" at <decryptAES \"k\" \"c2hvcnQ=\">: error calling decryptAES: runtime error: slice bounds out of range [:16] with capacity 5",
            ),
            (
                "{{decryptAES \"k\" \"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==\"}}",
                "ERROR: template: t:1:2: executing \"t\" at <decryptAES \"k\" \"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==\">: error calling decryptAES: crypto/cipher: input not full blocks",
            ),
        ],
    );
    // AES with a long message and a password longer than the key.
    let long = "x".repeat(1000);
    let source = format!(
        "{{{{\"{long}\" | encryptAES \"{0}\" | decryptAES \"{0}\"}}}}",
        "p".repeat(40)
    );
    assert_eq!(out_in(&host, &source), long);
}

#[test]
fn bcrypt_hashes_verify() {
    let host = world("UTC");
    let hash = out_in(&host, "{{bcrypt \"myPassword\"}}");
    assert!(hash.starts_with("$2a$10$"), "{hash}");
    assert!(bcrypt::verify("myPassword", &hash).unwrap());
    for (user, password) in [
        ("myUser", "myPassword"),
        (
            "special'o79Cv_*qFe,)<user",
            "special<j7+3p#6-.Jx2U:m8G;kGypassword",
        ),
    ] {
        let line = out_in(&host, &format!("{{{{htpasswd {user:?} {password:?}}}}}"));
        let (name, hash) = line.split_once(':').unwrap();
        assert_eq!(name, user);
        assert!(bcrypt::verify(password, hash).unwrap(), "{line}");
    }
    assert_eq!(
        out_in(&host, &format!("{{{{bcrypt \"{}\"}}}}", "a".repeat(73))),
        "failed to encrypt string with bcrypt: bcrypt: password length exceeds 72 bytes"
    );
}

fn parse_cert(pem_text: &str) -> x509_parser::certificate::X509Certificate<'static> {
    let block = pem::parse(pem_text).unwrap();
    let der: &'static [u8] = Box::leak(block.into_contents().into_boxed_slice());
    x509_parser::parse_x509_certificate(der).unwrap().1
}

fn common_name(cert: &x509_parser::certificate::X509Certificate<'_>) -> String {
    cert.subject()
        .iter_common_name()
        .next()
        .unwrap()
        .as_str()
        .unwrap()
        .to_owned()
}

#[test]
fn certificates_parse_back() {
    let host = world("UTC");
    // genCA (crypto_test.go TestGenCA)
    let ca = out_in(&host, "{{$ca := genCA \"foo-ca\" 365}}{{$ca.Cert}}");
    assert!(
        ca.contains("-----BEGIN CERTIFICATE-----") && ca.contains("-----END CERTIFICATE-----"),
        "{ca}"
    );
    let cert = parse_cert(&ca);
    assert_eq!(common_name(&cert), "foo-ca");
    assert!(cert.is_ca());
    assert_eq!(cert.validity().not_before.timestamp(), SPRIG_INSTANT);
    assert_eq!(
        cert.validity().not_after.timestamp(),
        SPRIG_INSTANT + 365 * 86_400
    );
    // genSelfSignedCert (TestGenSelfSignedCert)
    let self_signed = out_in(
        &host,
        "{{$c := genSelfSignedCert \"foo.com\" (list \"10.0.0.1\" \"10.0.0.2\") (list \"bar.com\" \"bat.com\") 365}}{{$c.Cert}}",
    );
    let cert = parse_cert(&self_signed);
    assert_eq!(common_name(&cert), "foo.com");
    assert!(!cert.is_ca());
    let sans = cert.subject_alternative_name().unwrap().unwrap().value;
    let names: Vec<String> = sans.general_names.iter().map(|n| format!("{n}")).collect();
    assert!(names.iter().any(|n| n.contains("bar.com")), "{names:?}");
    assert!(names.iter().any(|n| n.contains("bat.com")), "{names:?}");
    assert!(names.iter().any(|n| n.contains("0a:00:00:01")), "{names:?}");
    assert!(names.iter().any(|n| n.contains("0a:00:00:02")), "{names:?}");
    // genSignedCert (TestGenSignedCert): issued by the CA.
    let signed = out_in(
        &host,
        "{{$ca := genCA \"foo\" 365}}{{$c := genSignedCert \"foo.com\" (list \"10.0.0.1\") (list \"bar.com\") 365 $ca}}{{$c.Cert}}",
    );
    let cert = parse_cert(&signed);
    assert_eq!(common_name(&cert), "foo.com");
    assert_eq!(
        cert.issuer()
            .iter_common_name()
            .next()
            .unwrap()
            .as_str()
            .unwrap(),
        "foo"
    );
    // The key that comes back is the certificate's key.
    let key = out_in(&host, "{{(genCA \"k\" 1).Key}}");
    assert!(
        key.starts_with("-----BEGIN RSA PRIVATE KEY-----\n"),
        "{key}"
    );
    // buildCustomCert (TestBuildCustomCert) round-trips a CA.
    let round_trip = out_in(
        &host,
        "{{$ca := genCA \"example.com\" 365}}{{$b := buildCustomCert ($ca.Cert | b64enc) ($ca.Key | b64enc)}}{{eq $b.Cert $ca.Cert}} {{eq $b.Key $ca.Key}}",
    );
    assert_eq!(round_trip, "true true");
    assert!(
        out_in(
            &host,
            "{{$ca := genCA \"x\" 1}}{{buildCustomCert (\"fail\" | b64enc) ($ca.Key | b64enc)}}"
        )
        .contains("unable to decode certificate")
    );
}

#[test]
fn keys_of_every_kind_sign_certificates() {
    let host = world("UTC");
    let ec = out_in(&host, "{{genPrivateKey \"ecdsa\"}}");
    assert!(ec.starts_with("-----BEGIN EC PRIVATE KEY-----\n"), "{ec}");
    let ed = out_in(&host, "{{genPrivateKey \"ed25519\"}}");
    assert!(ed.starts_with("-----BEGIN PRIVATE KEY-----\n"), "{ed}");
    for key in [&ec, &ed] {
        let source = format!(
            "{{{{$ca := genCAWithKey \"ca\" 30 {key:?}}}}}{{{{$c := genSignedCertWithKey \"leaf\" nil (list \"a.example\") 30 $ca {key:?}}}}}{{{{$c.Cert}}}}|{{{{eq $ca.Key {key:?}}}}}"
        );
        let got = out_in(&host, &source);
        let (cert, same_key) = got.split_once('|').unwrap();
        assert_eq!(common_name(&parse_cert(cert)), "leaf");
        assert_eq!(same_key, "true");
        let self_signed = out_in(
            &host,
            &format!("{{{{(genSelfSignedCertWithKey \"s\" nil nil 1 {key:?}).Cert}}}}"),
        );
        assert_eq!(common_name(&parse_cert(&self_signed)), "s");
    }
    assert!(
        out_in(&host, "{{genCAWithKey \"ca\" 1 \"nope\"}}")
            .contains("error calling genCAWithKey: parsing private key: no PEM data in input")
    );
    assert!(
        out_in(&host, "{{genSelfSignedCert \"x\" (list 1) nil 1}}")
            .contains("error parsing ip: 1 is not a string")
    );
    assert!(
        out_in(
            &host,
            "{{genSelfSignedCert \"x\" (list \"300.1.1.1\") nil 1}}"
        )
        .contains("error parsing ip: 300.1.1.1")
    );
    assert!(
        out_in(&host, "{{genSignedCert \"x\" nil nil 1 (dict)}}").contains(
            "wrong type for value; expected sprig.certificate; got map[string]interface {}"
        )
    );
}

/// RSA 4096 generation: slow, and with a small step budget refused before it starts.
#[test]
fn expensive_functions_are_bounded_by_the_step_budget() {
    let host = world("UTC");
    let small = Limits {
        max_steps: 100_000,
        ..Limits::default()
    };
    for source in [
        "{{genPrivateKey \"rsa\"}}",
        "{{genPrivateKey \"dsa\"}}",
        "{{genCA \"x\" 1}}",
        "{{derivePassword 1 \"pin\" \"p\" \"u\" \"s\"}}",
        "{{range until 10}}{{bcrypt \"x\"}}{{end}}",
    ] {
        let err = render_with_limits("t", source, &data(), &host, &small).unwrap_err();
        assert!(
            err.to_string()
                .contains("exceeded the limit of 100000 steps"),
            "{source}: {err}"
        );
    }
    let rsa = out_in(&host, "{{genPrivateKey \"rsa\"}}");
    assert!(
        rsa.starts_with("-----BEGIN RSA PRIVATE KEY-----\n"),
        "{rsa}"
    );
}

#[test]
fn dsa_keys_are_generated() {
    let host = world("UTC");
    let dsa = out_in(&host, "{{genPrivateKey \"dsa\"}}");
    assert!(
        dsa.starts_with("-----BEGIN DSA PRIVATE KEY-----\n"),
        "{dsa}"
    );
    assert!(
        out_in(&host, &format!("{{{{genCAWithKey \"x\" 1 {dsa:?}}}}}"))
            .contains("does not implement crypto.Signer")
    );
}

/// Every function added for Sprig's clock, randomness, network, URL and crypto
/// support, given hostile arguments: each call returns (output or error), never
/// panics, and stays inside small limits.
#[test]
fn hostile_arguments_never_panic() {
    let host = world("Europe/Berlin");
    let limits = Limits {
        max_output_bytes: 1 << 16,
        max_list_len: 1 << 10,
        max_steps: 50_000,
        max_template_depth: 8,
    };
    let values = [
        "nil",
        "0",
        "-1",
        "9223372036854775807",
        "-9223372036854775808",
        "1.5",
        "\"\"",
        "\"é\\u0000%zz[:]\"",
        "\"-0700 Z07:00 .000 __2 002 Jan Monday PM pm MST 2006\"",
        "\"9223372036854775807ns\"",
        "(list 1 \"a\")",
        "(dict \"a\" 1)",
        "now",
        "(toDate \"2006\" \"0000\")",
    ];
    let functions = [
        ("date", 2),
        ("dateInZone", 3),
        ("htmlDate", 1),
        ("htmlDateInZone", 2),
        ("dateModify", 2),
        ("mustDateModify", 2),
        ("ago", 1),
        ("toDate", 2),
        ("mustToDate", 2),
        ("unixEpoch", 1),
        ("duration", 1),
        ("durationRound", 1),
        ("randAlphaNum", 1),
        ("randAscii", 1),
        ("randInt", 2),
        ("randBytes", 1),
        ("shuffle", 1),
        ("getHostByName", 1),
        ("urlParse", 1),
        ("urlJoin", 1),
        ("htpasswd", 2),
        ("derivePassword", 5),
        ("buildCustomCert", 2),
        ("genCAWithKey", 3),
        ("genSelfSignedCertWithKey", 5),
        ("encryptAES", 2),
        ("decryptAES", 2),
        ("sha512sum", 1),
    ];
    let mut calls = 0;
    for (name, arity) in functions {
        for (i, first) in values.iter().enumerate() {
            let second = values[(i * 7 + 3) % values.len()];
            let rest = values[(i * 5 + 1) % values.len()];
            let mut args = vec![*first, second];
            args.resize(arity.max(2), rest);
            args.truncate(arity);
            let source = format!("{{{{{name} {}}}}}", args.join(" "));
            let result = std::panic::catch_unwind(|| {
                render_with_limits("t", &source, &data(), &host, &limits)
            });
            assert!(result.is_ok(), "{source} panicked");
            calls += 1;
        }
    }
    assert_eq!(calls, functions.len() * values.len());
    // Time methods and layouts on extreme instants.
    for source in [
        "{{(toDate \"2006\" \"9999\").AddDate 9999 99 999 | date \"2006 __2 .000000000\"}}",
        "{{date \"Mon Jan _2 15:04:05.999999999 MST 2006 Z070000\" -9223372036854775808}}",
        "{{(now | dateModify \"-2562047h\").UnixNano}}",
        "{{toDate \"2006 002\" \"2024 366\" | date \"2006-01-02\"}}",
    ] {
        let result =
            std::panic::catch_unwind(|| render_with_limits("t", source, &data(), &host, &limits));
        assert!(result.is_ok(), "{source} panicked");
    }
}
