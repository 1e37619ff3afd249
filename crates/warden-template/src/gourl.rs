//! Go's `net/url` as Sprig's `urlParse` and `urlJoin` use it: `url.Parse` (scheme,
//! opaque part, authority with user info and host, path, query, fragment, each
//! unescaped by Go's rules) and `URL.String`. The WHATWG parser of the `url` crate
//! normalises differently (relative references, default ports, IDNA), so Go's
//! RFC 3986 reading is kept here.

use crate::text::go_quote;

/// The fields of a Go `url.URL` that Sprig reads or writes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct GoUrl {
    pub(crate) scheme: String,
    pub(crate) opaque: String,
    /// `None` when the URL has no user info; `Some((user, password))` otherwise.
    pub(crate) user: Option<(String, Option<String>)>,
    pub(crate) host: String,
    pub(crate) path: String,
    pub(crate) raw_query: String,
    pub(crate) force_query: bool,
    pub(crate) fragment: String,
    pub(crate) omit_host: bool,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Path,
    Host,
    Zone,
    UserPassword,
    QueryComponent,
    Fragment,
}

fn should_escape(c: u8, mode: Mode) -> bool {
    if c.is_ascii_alphanumeric() {
        return false;
    }
    if matches!(mode, Mode::Host | Mode::Zone)
        && matches!(
            c,
            b'!' | b'$'
                | b'&'
                | b'\''
                | b'('
                | b')'
                | b'*'
                | b'+'
                | b','
                | b';'
                | b'='
                | b':'
                | b'['
                | b']'
                | b'<'
                | b'>'
                | b'"'
        )
    {
        return false;
    }
    match c {
        b'-' | b'_' | b'.' | b'~' => return false,
        b'$' | b'&' | b'+' | b',' | b'/' | b':' | b';' | b'=' | b'?' | b'@' => {
            return match mode {
                Mode::Path => c == b'?',
                Mode::UserPassword => matches!(c, b'@' | b'/' | b'?' | b':'),
                Mode::QueryComponent => true,
                Mode::Fragment => false,
                Mode::Host | Mode::Zone => true,
            };
        }
        _ => {}
    }
    if mode == Mode::Fragment && matches!(c, b'!' | b'(' | b')' | b'*') {
        return false;
    }
    true
}

/// Go's `escape`.
fn escape(s: &str, mode: Mode) -> String {
    let mut out = String::with_capacity(s.len());
    for &c in s.as_bytes() {
        if should_escape(c, mode) {
            if c == b' ' && mode == Mode::QueryComponent {
                out.push('+');
            } else {
                out.push_str(&format!("%{c:02X}"));
            }
        } else {
            out.push(char::from(c));
        }
    }
    out
}

/// Go's `unescape`; the error is `net/url`'s text.
fn unescape(s: &str, mode: Mode) -> Result<String, String> {
    let b = s.as_bytes();
    let hex = |c: u8| char::from(c).to_digit(16).map(|d| d as u8);
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' => {
                let (Some(hi), Some(lo)) = (
                    b.get(i + 1).copied().and_then(hex),
                    b.get(i + 2).copied().and_then(hex),
                ) else {
                    let end = (i + 3).min(b.len());
                    let text = String::from_utf8_lossy(&b[i..end]);
                    return Err(format!("invalid URL escape {}", go_quote(&text, false)));
                };
                let escape_text = || String::from_utf8_lossy(&b[i..i + 3]).into_owned();
                if mode == Mode::Host && hi < 8 && &b[i..i + 3] != b"%25" {
                    return Err(format!(
                        "invalid URL escape {}",
                        go_quote(&escape_text(), false)
                    ));
                }
                if mode == Mode::Zone {
                    let v = hi << 4 | lo;
                    if &b[i..i + 3] != b"%25" && v != b' ' && should_escape(v, Mode::Host) {
                        return Err(format!(
                            "invalid URL escape {}",
                            go_quote(&escape_text(), false)
                        ));
                    }
                }
                i += 3;
            }
            c => {
                if matches!(mode, Mode::Host | Mode::Zone) && c < 0x80 && should_escape(c, mode) {
                    return Err(format!(
                        "invalid character {} in host name",
                        go_quote(&char::from(c).to_string(), false)
                    ));
                }
                i += 1;
            }
        }
    }
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' => {
                let hi = b.get(i + 1).copied().and_then(hex).unwrap_or(0);
                let lo = b.get(i + 2).copied().and_then(hex).unwrap_or(0);
                out.push(hi << 4 | lo);
                i += 3;
            }
            b'+' if mode == Mode::QueryComponent => {
                out.push(b' ');
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    Ok(String::from_utf8_lossy(&out).into_owned())
}

/// Go's `getScheme`.
fn get_scheme(raw: &str) -> Result<(&str, &str), String> {
    for (i, c) in raw.bytes().enumerate() {
        match c {
            b'a'..=b'z' | b'A'..=b'Z' => {}
            b'0'..=b'9' | b'+' | b'-' | b'.' => {
                if i == 0 {
                    return Ok(("", raw));
                }
            }
            b':' => {
                if i == 0 {
                    return Err("missing protocol scheme".to_owned());
                }
                return Ok((&raw[..i], &raw[i + 1..]));
            }
            _ => return Ok(("", raw)),
        }
    }
    Ok(("", raw))
}

fn valid_optional_port(port: &str) -> bool {
    port.is_empty()
        || port
            .strip_prefix(':')
            .is_some_and(|digits| digits.bytes().all(|b| b.is_ascii_digit()))
}

/// Go's `parseHost`.
fn parse_host(host: &str) -> Result<String, String> {
    if host.starts_with('[') {
        let Some(i) = host.rfind(']') else {
            return Err("missing ']' in host".to_owned());
        };
        let colon_port = &host[i + 1..];
        if !valid_optional_port(colon_port) {
            return Err(format!(
                "invalid port {} after host",
                go_quote(colon_port, false)
            ));
        }
        if let Some(zone) = host[..i].find("%25") {
            let host1 = unescape(&host[..zone], Mode::Host)?;
            let host2 = unescape(&host[zone..i], Mode::Zone)?;
            let host3 = unescape(&host[i..], Mode::Host)?;
            return Ok(host1 + &host2 + &host3);
        }
    } else if let Some(i) = host.rfind(':') {
        let colon_port = &host[i..];
        if !valid_optional_port(colon_port) {
            return Err(format!(
                "invalid port {} after host",
                go_quote(colon_port, false)
            ));
        }
    }
    unescape(host, Mode::Host)
}

fn valid_userinfo(s: &str) -> bool {
    s.chars().all(|r| {
        r.is_ascii_alphanumeric()
            || matches!(
                r,
                '-' | '.'
                    | '_'
                    | ':'
                    | '~'
                    | '!'
                    | '$'
                    | '&'
                    | '\''
                    | '('
                    | ')'
                    | '*'
                    | '+'
                    | ','
                    | ';'
                    | '='
                    | '%'
                    | '@'
            )
    })
}

type Userinfo = Option<(String, Option<String>)>;

/// Go's `parseAuthority`.
fn parse_authority(authority: &str) -> Result<(Userinfo, String), String> {
    let Some(i) = authority.rfind('@') else {
        return Ok((None, parse_host(authority)?));
    };
    let host = parse_host(&authority[i + 1..])?;
    let userinfo = &authority[..i];
    if !valid_userinfo(userinfo) {
        return Err("net/url: invalid userinfo".to_owned());
    }
    let user = match userinfo.split_once(':') {
        None => (unescape(userinfo, Mode::UserPassword)?, None),
        Some((name, password)) => (
            unescape(name, Mode::UserPassword)?,
            Some(unescape(password, Mode::UserPassword)?),
        ),
    };
    Ok((Some(user), host))
}

/// Go's `url.Parse`; the error is `*url.Error`'s text.
pub(crate) fn parse(raw: &str) -> Result<GoUrl, String> {
    let (u, frag) = raw.split_once('#').unwrap_or((raw, ""));
    let mut url =
        parse_without_fragment(u).map_err(|e| format!("parse {}: {e}", go_quote(u, false)))?;
    if !frag.is_empty() {
        url.fragment = unescape(frag, Mode::Fragment)
            .map_err(|e| format!("parse {}: {e}", go_quote(raw, false)))?;
    }
    Ok(url)
}

fn parse_without_fragment(raw: &str) -> Result<GoUrl, String> {
    if raw.bytes().any(|b| b < 0x20 || b == 0x7f) {
        return Err("net/url: invalid control character in URL".to_owned());
    }
    let mut url = GoUrl::default();
    if raw == "*" {
        url.path = "*".to_owned();
        return Ok(url);
    }
    let (scheme, rest) = get_scheme(raw)?;
    url.scheme = scheme.to_ascii_lowercase();
    let mut rest = rest.to_owned();
    if rest.ends_with('?') && rest.matches('?').count() == 1 {
        url.force_query = true;
        rest.pop();
    } else if let Some((before, query)) = rest.clone().split_once('?') {
        url.raw_query = query.to_owned();
        rest = before.to_owned();
    }
    if !rest.starts_with('/') {
        if !url.scheme.is_empty() {
            url.opaque = rest;
            return Ok(url);
        }
        let segment = rest.split('/').next().unwrap_or("");
        if segment.contains(':') {
            return Err("first path segment in URL cannot contain colon".to_owned());
        }
    }
    if (!url.scheme.is_empty() || !rest.starts_with("///")) && rest.starts_with("//") {
        let after = &rest[2..];
        let (authority, path) = match after.find('/') {
            Some(i) => (&after[..i], &after[i..]),
            None => (after, ""),
        };
        let (user, host) = parse_authority(authority)?;
        url.user = user;
        url.host = host;
        rest = path.to_owned();
    } else if !url.scheme.is_empty() && rest.starts_with('/') {
        url.omit_host = true;
    }
    url.path = unescape(&rest, Mode::Path)?;
    Ok(url)
}

impl GoUrl {
    /// Go's `URL.Hostname()`: the host without port or IPv6 brackets.
    pub(crate) fn hostname(&self) -> String {
        let host = match self.host.rfind(':') {
            Some(colon) if valid_optional_port(&self.host[colon..]) => &self.host[..colon],
            _ => self.host.as_str(),
        };
        match host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
            Some(inner) => inner.to_owned(),
            None => host.to_owned(),
        }
    }

    /// Go's `Userinfo.String()`.
    pub(crate) fn userinfo(&self) -> Option<String> {
        self.user.as_ref().map(|(name, password)| {
            let mut out = escape(name, Mode::UserPassword);
            if let Some(password) = password {
                out.push(':');
                out.push_str(&escape(password, Mode::UserPassword));
            }
            out
        })
    }

    /// Go's `URL.String()` for a URL built from fields (no raw path).
    pub(crate) fn to_go_string(&self) -> String {
        let mut buf = String::new();
        if !self.scheme.is_empty() {
            buf.push_str(&self.scheme);
            buf.push(':');
        }
        if !self.opaque.is_empty() {
            buf.push_str(&self.opaque);
        } else {
            let has_authority =
                !self.scheme.is_empty() || !self.host.is_empty() || self.user.is_some();
            let omitted = self.omit_host && self.host.is_empty() && self.user.is_none();
            if has_authority && !omitted {
                if !self.host.is_empty() || !self.path.is_empty() || self.user.is_some() {
                    buf.push_str("//");
                }
                if let Some(user) = self.userinfo() {
                    buf.push_str(&user);
                    buf.push('@');
                }
                if !self.host.is_empty() {
                    buf.push_str(&escape(&self.host, Mode::Host));
                }
            }
            let path = if self.path == "*" {
                "*".to_owned()
            } else {
                escape(&self.path, Mode::Path)
            };
            if !path.is_empty() && !path.starts_with('/') && !self.host.is_empty() {
                buf.push('/');
            }
            if buf.is_empty() {
                let segment = path.split('/').next().unwrap_or("");
                if segment.contains(':') {
                    buf.push_str("./");
                }
            }
            buf.push_str(&path);
        }
        if self.force_query || !self.raw_query.is_empty() {
            buf.push('?');
            buf.push_str(&self.raw_query);
        }
        if !self.fragment.is_empty() {
            buf.push('#');
            buf.push_str(&escape(&self.fragment, Mode::Fragment));
        }
        buf
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Sprig's `url_test.go` cases, plus shapes from Go's `url_test.go`.
    #[test]
    fn parse_matches_go() {
        let u = parse("proto://auth@host:80/path?query#fragment").unwrap();
        assert_eq!(u.scheme, "proto");
        assert_eq!(u.host, "host:80");
        assert_eq!(u.hostname(), "host");
        assert_eq!(u.path, "/path");
        assert_eq!(u.raw_query, "query");
        assert_eq!(u.fragment, "fragment");
        assert_eq!(u.userinfo().as_deref(), Some("auth"));
        let u = parse("proto://host:80/path").unwrap();
        assert_eq!(u.userinfo(), None);
        let u = parse("something").unwrap();
        assert_eq!(u.path, "something");
        assert_eq!(u.scheme, "");
        let u = parse("proto://user:passwor%20d@host:80/path").unwrap();
        assert_eq!(u.userinfo().as_deref(), Some("user:passwor%20d"));
        let u = parse("proto://host:80/pa%20th?key=val%20ue").unwrap();
        assert_eq!(u.path, "/pa th");
        assert_eq!(u.raw_query, "key=val%20ue");
        let u = parse("mailto:user@example.com").unwrap();
        assert_eq!(u.opaque, "user@example.com");
        let u = parse("http://[fe80::1%25en0]:8080/").unwrap();
        assert_eq!(u.host, "[fe80::1%en0]:8080");
        assert_eq!(u.hostname(), "fe80::1%en0");
        let u = parse("HTTP://www.Google.com/?").unwrap();
        assert_eq!((u.scheme.as_str(), u.force_query), ("http", true));
        assert_eq!(u.to_go_string(), "http://www.Google.com/?");
    }

    #[test]
    fn parse_errors_read_like_go() {
        assert_eq!(
            parse(":foo").unwrap_err(),
            "parse \":foo\": missing protocol scheme"
        );
        assert_eq!(
            parse("http://%zz").unwrap_err(),
            "parse \"http://%zz\": invalid URL escape \"%zz\""
        );
        assert_eq!(
            parse("http://a b.com/").unwrap_err(),
            "parse \"http://a b.com/\": invalid character \" \" in host name"
        );
        assert_eq!(
            parse("http://host:port/").unwrap_err(),
            "parse \"http://host:port/\": invalid port \":port\" after host"
        );
        assert_eq!(parse("a:b/c").map(|u| u.opaque), Ok("b/c".to_owned()));
        assert_eq!(
            parse("1:b").unwrap_err(),
            "parse \"1:b\": first path segment in URL cannot contain colon"
        );
        assert_eq!(
            parse("http://x/\u{7f}").unwrap_err(),
            "parse \"http://x/\\x7f\": net/url: invalid control character in URL"
        );
    }

    #[test]
    fn string_matches_go() {
        let u = GoUrl {
            scheme: "proto".into(),
            host: "host:80".into(),
            path: "/path".into(),
            raw_query: "query".into(),
            fragment: "fragment".into(),
            ..GoUrl::default()
        };
        assert_eq!(u.to_go_string(), "proto://host:80/path?query#fragment");
        let u = GoUrl {
            scheme: "proto".into(),
            host: "host:80".into(),
            path: "/path".into(),
            fragment: "fragment".into(),
            user: Some(("ASDJKJSD".into(), None)),
            ..GoUrl::default()
        };
        assert_eq!(u.to_go_string(), "proto://ASDJKJSD@host:80/path#fragment");
        let u = GoUrl {
            path: "a b/c:d?".into(),
            fragment: "x y#".into(),
            ..GoUrl::default()
        };
        assert_eq!(u.to_go_string(), "a%20b/c:d%3F#x%20y%23");
        let u = GoUrl {
            path: "c:d".into(),
            ..GoUrl::default()
        };
        assert_eq!(u.to_go_string(), "./c:d");
        let u = GoUrl {
            host: "h".into(),
            path: "p".into(),
            ..GoUrl::default()
        };
        assert_eq!(u.to_go_string(), "//h/p");
    }
}
