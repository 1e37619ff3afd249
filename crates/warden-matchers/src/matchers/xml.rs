//! `xml: {xpath: …, result: …}`: goss's XPath matcher (antchfx/xmlquery in Go).
//!
//! XPath 1.0 is evaluated by `sxd-xpath`, which follows the same 1.0 rules as goss's
//! antchfx/xpath (node-sets, numbers as floats, NaN rather than type errors). Results
//! are turned into text as goss does: numbers with `%G`-style formatting, booleans as
//! `true`/`false`, and node-sets serialised by xmlquery's rules and concatenated.

use sxd_document::dom::{ChildOfElement, ChildOfRoot, Element};
use sxd_xpath::nodeset::Node as XNode;
use sxd_xpath::{Context, Factory, Value as XValue};
use warden_value::Value;

use crate::gofmt::{format_float_upper_g, percent_s, quote};
use crate::node::plain_result;
use crate::result::MatcherResult;
use crate::subject::Subject;

pub(crate) fn matches(xpath: &str, expected: &str, actual: &Subject) -> Result<bool, String> {
    let Some(xml) = actual.as_str() else {
        return Err(format!(
            "XML expect pattern to be a string: \n{}",
            percent_s(actual)
        ));
    };
    let package = sxd_document::parser::parse(xml)
        .map_err(|e| format!("Cannot parse XML string {}: {e}", quote(xml)))?;
    let document = package.as_document();
    let compiled = Factory::new()
        .build(xpath)
        .map_err(|e| e.to_string())
        .and_then(|x| x.ok_or_else(|| "empty expression".to_owned()))
        .map_err(|e| format!("Invalid XPath query {}: {e}", quote(xpath)))?;
    let value = compiled
        .evaluate(&Context::new(), document.root())
        .map_err(|e| format!("Invalid XPath query {}: {e}", quote(xpath)))?;
    let text = match value {
        XValue::Nodeset(nodes) => {
            if expected.trim().is_empty() {
                return Ok(nodes.size() > 0);
            }
            let mut out = String::new();
            for node in nodes.document_order() {
                write_node(&mut out, node);
            }
            out
        }
        XValue::Number(x) => format_float_upper_g(x),
        XValue::Boolean(b) => b.to_string(),
        XValue::String(s) => s,
    };
    if text == expected {
        Ok(true)
    } else {
        Err(format!(
            "Cannot match XPath query with attended result; result: {}; expected: {}",
            quote(&text),
            quote(expected)
        ))
    }
}

pub(crate) fn result(expected: &str, actual: &Subject, negated: bool) -> MatcherResult {
    let (message, negated_message) = (
        "satisfied XPath match with intended result",
        "cannot match xpath query with intended result",
    );
    plain_result(
        actual,
        if negated { negated_message } else { message },
        false,
        Value::String(expected.to_owned()),
    )
}

/// Go's `html.EscapeString`, which xmlquery applies to text and attribute values.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '\'' => out.push_str("&#39;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&#34;"),
            c => out.push(c),
        }
    }
    out
}

/// xmlquery's `OutputXMLWithOptions(WithEmptyTagSupport(), WithOutputSelf())`.
fn write_node(out: &mut String, node: XNode<'_>) {
    match node {
        XNode::Root(root) => {
            for child in root.children() {
                match child {
                    ChildOfRoot::Element(e) => write_element(out, e, false),
                    ChildOfRoot::Comment(c) => out.push_str(&format!("<!--{}-->", c.text())),
                    ChildOfRoot::ProcessingInstruction(pi) => {
                        write_pi(out, pi.target(), pi.value())
                    }
                }
            }
        }
        XNode::Element(e) => write_element(out, e, false),
        // xmlquery hands out an attribute as an element named after it holding its value.
        XNode::Attribute(a) => {
            let name = a.name().local_part();
            out.push_str(&format!("<{name}>{}</{name}>", escape(a.value().trim())));
        }
        XNode::Text(t) => out.push_str(&escape(t.text().trim())),
        XNode::Comment(c) => out.push_str(&format!("<!--{}-->", c.text())),
        XNode::ProcessingInstruction(pi) => write_pi(out, pi.target(), pi.value()),
        XNode::Namespace(ns) => out.push_str(&escape(ns.uri())),
    }
}

fn write_pi(out: &mut String, target: &str, value: Option<&str>) {
    match value {
        Some(v) => out.push_str(&format!("<?{target} {v}?>")),
        None => out.push_str(&format!("<?{target}?>")),
    }
}

fn qualified(prefix: Option<&str>, local: &str) -> String {
    match prefix {
        Some(p) if !p.is_empty() => format!("{p}:{local}"),
        _ => local.to_owned(),
    }
}

/// Writes an element; text is trimmed unless `xml:space="preserve"` is in effect.
fn write_element(out: &mut String, element: Element<'_>, inherited_preserve: bool) {
    let preserve = match element.attribute_value(("http://www.w3.org/XML/1998/namespace", "space"))
    {
        Some("preserve") => true,
        Some("default") => false,
        _ => inherited_preserve,
    };
    let name = qualified(element.preferred_prefix(), element.name().local_part());
    out.push('<');
    out.push_str(&name);
    for (prefix, uri) in declared_namespaces(element) {
        out.push_str(&format!(
            " {}=\"{}\"",
            qualified(Some("xmlns"), &prefix),
            escape(&uri)
        ));
    }
    for attr in element.attributes() {
        let attr_name = qualified(attr.preferred_prefix(), attr.name().local_part());
        out.push_str(&format!(" {attr_name}=\"{}\"", escape(attr.value())));
    }
    let children = element.children();
    if children.is_empty() {
        out.push_str("/>");
        return;
    }
    out.push('>');
    for child in children {
        match child {
            ChildOfElement::Element(e) => write_element(out, e, preserve),
            ChildOfElement::Text(t) => {
                out.push_str(&escape(if preserve { t.text() } else { t.text().trim() }));
            }
            ChildOfElement::Comment(c) => out.push_str(&format!("<!--{}-->", c.text())),
            ChildOfElement::ProcessingInstruction(pi) => write_pi(out, pi.target(), pi.value()),
        }
    }
    out.push_str(&format!("</{name}>"));
}

/// Prefixes this element declares itself (not inherited), sorted by prefix.
fn declared_namespaces(element: Element<'_>) -> Vec<(String, String)> {
    let parent_scope: Vec<(String, String)> = match element.parent() {
        Some(sxd_document::dom::ParentOfChild::Element(parent)) => parent
            .namespaces_in_scope()
            .iter()
            .map(|ns| (ns.prefix().to_owned(), ns.uri().to_owned()))
            .collect(),
        _ => Vec::new(),
    };
    let mut own: Vec<(String, String)> = element
        .namespaces_in_scope()
        .iter()
        .map(|ns| (ns.prefix().to_owned(), ns.uri().to_owned()))
        .filter(|ns| ns.0 != "xml" && !parent_scope.contains(ns))
        .collect();
    own.sort();
    own
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<order date="2019-02-01">
    <address xmlns:billing="http://localhost/XML/billing">
        <billing:name>Mary Adams</billing:name>
        <billing:city>Old Town</billing:city>
    </address>
    <items>
        <book isbn="9781408845660">
            <title>Harry Potter</title>
            <quantity>1</quantity>
            <price>25</price>
        </book>
        <book isbn="9780544003415">
            <title>Le seigneur des anneaux</title>
            <quantity>1</quantity>
            <price>18</price>
        </book>
    </items>
</order>"#;

    /// goss's `TestXMLMatcher_Match` table: (xpath, expected, success, error).
    const CASES: &[(&str, &str, bool, bool)] = &[
        (
            "//book[title='Le seigneur des anneaux']/quantity/text()",
            "1",
            true,
            false,
        ),
        (
            "//book[@isbn='9780544003415']/title",
            "<title>Le seigneur des anneaux</title>",
            true,
            false,
        ),
        (
            "//book/title",
            "<title>Harry Potter</title><title>Le seigneur des anneaux</title>",
            true,
            false,
        ),
        ("//book[1]/@isbn", "<isbn>9781408845660</isbn>", true, false),
        (
            "//address/*[local-name()='city']/text()",
            "Old Town",
            true,
            false,
        ),
        ("//book[1]/quantity/text()", "42", false, true),
        ("//items/book", "", true, false),
        ("//items/dvd", "", false, false),
        ("//items/book", "   ", true, false),
        ("count(//book)", "2", true, false),
        ("sum(//price)", "43", true, false),
        (
            "boolean(//book[title='Le seigneur des anneaux'])",
            "true",
            true,
            false,
        ),
        ("boolean(//book[title='Dune'])", "false", true, false),
        ("string-length(//title)", "12", true, false),
        (
            "//book[contains(title, 'anneaux')]/price",
            "<price>18</price>",
            true,
            false,
        ),
        ("//book[title='count(x)']", "", false, false),
        ("COUNT(//book)", "2", false, true),
        ("count(//book)", "3", false, true),
        ("count(//book)", "", false, true),
        ("count(//book", "2", false, true),
    ];

    #[test]
    fn goss_xml_matcher_table() {
        for (xpath, expected, success, error) in CASES {
            let got = matches(xpath, expected, &Subject::string(DOC));
            assert_eq!(
                got.as_ref().is_ok_and(|s| *s),
                *success,
                "{xpath} => {got:?}"
            );
            assert_eq!(got.is_err(), *error, "{xpath} => {got:?}");
        }
    }

    #[test]
    fn non_string_and_non_xml_inputs_are_errors() {
        let err = matches("//book", "1", &Subject::Value(Value::Int(42))).unwrap_err();
        assert_eq!(err, "XML expect pattern to be a string: \n%!s(int=42)");
        assert!(
            matches(
                "//book",
                "1",
                &Subject::string("this is definitely not xml <<<")
            )
            .is_err()
        );
    }

    #[test]
    fn mismatch_message() {
        let err = matches("count(//book)", "3", &Subject::string(DOC)).unwrap_err();
        assert_eq!(
            err,
            "Cannot match XPath query with attended result; result: \"2\"; expected: \"3\""
        );
    }

    #[test]
    fn elements_serialise_with_namespaces_and_empty_tags() {
        let doc = r#"<a xmlns:b="urn:b"><b:c x="1"/><d> t </d></a>"#;
        assert_eq!(
            matches(
                "/a",
                r#"<a xmlns:b="urn:b"><b:c x="1"/><d>t</d></a>"#,
                &Subject::string(doc)
            ),
            Ok(true)
        );
    }

    #[test]
    fn results_and_json() {
        let r = result("2", &Subject::string("<order/>"), false);
        assert_eq!(r.message, "satisfied XPath match with intended result");
        assert_eq!(r.expected, Value::from("2"));
        let r = result("2", &Subject::string("<order/>"), true);
        assert_eq!(r.message, "cannot match xpath query with intended result");
    }
}
