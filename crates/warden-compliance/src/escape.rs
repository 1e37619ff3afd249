//! Text made safe for XML and for URI references.

use std::fmt::Write as _;
use std::path::Path;

/// XML text and attribute escaping; characters XML cannot hold become U+FFFD.
pub(crate) fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' => out.push_str("&#9;"),
            c if matches!(c as u32, 0x20..=0xD7FF | 0xE000..=0xFFFD | 0x10000..=0x10FFFF) => {
                out.push(c)
            }
            _ => out.push('\u{fffd}'),
        }
    }
    out
}

/// A resource id as a valid URI reference (SARIF's `artifactLocation.uri`). Ids that
/// are URLs (`https://...`) keep their structure; anything else (paths, commands,
/// package names) is percent-encoded as a relative reference.
pub(crate) fn uri_reference(id: &str) -> String {
    if has_scheme(id) {
        encode(id, |c| is_unreserved(c) || ":/?#[]@!$&'()*+,;=".contains(c))
    } else {
        encode(id, |c| is_unreserved(c) || "/@!$&'()*+,;=".contains(c))
    }
}

/// A file as a `file://` URI when its path is absolute, else as a relative reference.
pub(crate) fn file_uri(path: &Path) -> String {
    let text = path.to_string_lossy();
    let encoded = encode(&text, |c| is_unreserved(c) || "/@!$&'()*+,;=".contains(c));
    if path.is_absolute() {
        format!("file://{encoded}")
    } else {
        encoded
    }
}

fn has_scheme(text: &str) -> bool {
    let Some((scheme, _)) = text.split_once(':') else {
        return false;
    };
    let mut chars = scheme.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

fn is_unreserved(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '~')
}

fn encode(text: &str, keep: impl Fn(char) -> bool) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if keep(c) {
            out.push(c);
        } else {
            let mut buf = [0u8; 4];
            for byte in c.encode_utf8(&mut buf).bytes() {
                let _ = write!(out, "%{byte:02X}");
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resource_ids_become_uri_references() {
        assert_eq!(uri_reference("/etc/sudoers"), "/etc/sudoers");
        assert_eq!(
            uri_reference("https://www.google.com"),
            "https://www.google.com"
        );
        assert_eq!(
            uri_reference("grep '^authorized_user' /etc/sudoers"),
            "grep%20'%5Eauthorized_user'%20/etc/sudoers"
        );
        assert_eq!(uri_reference("tcp:22"), "tcp:22");
        assert_eq!(uri_reference("key: name"), "key:%20name");
        assert_eq!(uri_reference("1 a:b"), "1%20a%3Ab");
        assert_eq!(uri_reference("100%"), "100%25");
        assert_eq!(uri_reference("üser"), "%C3%BCser");
    }

    #[test]
    fn files_become_file_uris() {
        assert_eq!(file_uri(Path::new("/a b/c.yaml")), "file:///a%20b/c.yaml");
        assert_eq!(file_uri(Path::new("p/c.yaml")), "p/c.yaml");
    }

    #[test]
    fn xml_escapes_markup_and_drops_invalid_characters() {
        assert_eq!(
            xml("a<b>&\"'\n\u{1}"),
            "a&lt;b&gt;&amp;&quot;&apos;&#10;\u{fffd}"
        );
    }
}
