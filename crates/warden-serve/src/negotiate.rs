//! goss's content negotiation for the health endpoint.
//!
//! goss does not parse `Accept` as RFC 9110 does: each header *value* is compared whole
//! (no splitting on commas, no q-values). `application/vnd.goss-<format>` names a format,
//! `application/json` and `text/json` (any case) mean json. When no value names a known
//! format the process's `--format` is used. Clients written against goss send exactly
//! one such value, so matching goss keeps them working.

use axum::http::HeaderMap;
use axum::http::header::ACCEPT;
use warden_report::Format;

/// The media type prefix goss uses for its formats.
const MEDIA_TYPE_PREFIX: &str = "application/vnd.goss-";

/// The format a request asks for, or `fallback` when it names none.
///
/// When several values name formats, the last one wins, as in goss. goss also forgets an
/// earlier valid value when a later one is invalid (its loop overwrites the outputer with
/// nil); Warden keeps the valid one, which is what goss's `continue` was meant to do.
pub(crate) fn negotiate(headers: &HeaderMap, fallback: Format) -> Format {
    headers
        .get_all(ACCEPT)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .rev()
        .find_map(format_named_by)
        .unwrap_or(fallback)
}

fn format_named_by(accept_value: &str) -> Option<Format> {
    let candidate = accept_value.trim();
    if let Some(name) = candidate.strip_prefix(MEDIA_TYPE_PREFIX) {
        return name.parse().ok();
    }
    if candidate.eq_ignore_ascii_case("application/json")
        || candidate.eq_ignore_ascii_case("text/json")
    {
        return Some(Format::Json);
    }
    None
}

/// The `Content-Type` goss answers with for a format.
pub(crate) fn content_type(format: Format) -> String {
    match format {
        Format::Json => "application/json".to_owned(),
        // What Prometheus scrapers require (goss/goss#1022).
        Format::Prometheus => "text/plain; version=0.0.4".to_owned(),
        other => format!("{MEDIA_TYPE_PREFIX}{}", other.name()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(values: &[&str]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for value in values {
            map.append(ACCEPT, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    /// goss's `TestServeNegotiatingContent` table (Accept values, process format,
    /// expected Content-Type), plus the cases its loop implies.
    #[test]
    fn goss_negotiation_table() {
        let table: &[(&[&str], Format, &str)] = &[
            (&[""], Format::Structured, "application/vnd.goss-structured"),
            (&[], Format::Structured, "application/vnd.goss-structured"),
            (
                &["application/json"],
                Format::Structured,
                "application/json",
            ),
            (&["text/json"], Format::Structured, "application/json"),
            (&["TEXT/JSON"], Format::Structured, "application/json"),
            (
                &["application/vnd.goss-json"],
                Format::Structured,
                "application/json",
            ),
            (
                &["text/plain; version=0.0.4"],
                Format::Prometheus,
                "text/plain; version=0.0.4",
            ),
            (
                &["application/vnd.goss-rspecish"],
                Format::Structured,
                "application/vnd.goss-rspecish",
            ),
            (
                &["application/vnd.goss-nonexistent"],
                Format::Structured,
                "application/vnd.goss-structured",
            ),
            (
                &["application/vnd.goss-nonexistent", "application/json"],
                Format::Structured,
                "application/json",
            ),
            // Values are compared whole: a list in one value names nothing.
            (
                &["application/json, text/plain"],
                Format::Rspecish,
                "application/vnd.goss-rspecish",
            ),
            (
                &["application/vnd.goss-json;q=0.9"],
                Format::Rspecish,
                "application/vnd.goss-rspecish",
            ),
            // The vendor prefix is matched case-sensitively, as goss's HasPrefix does.
            (
                &["APPLICATION/VND.GOSS-JSON"],
                Format::Rspecish,
                "application/vnd.goss-rspecish",
            ),
            // The last value naming a format wins.
            (
                &["application/json", "application/vnd.goss-tap"],
                Format::Rspecish,
                "application/vnd.goss-tap",
            ),
            (
                &["application/vnd.goss-tap", "text/html"],
                Format::Rspecish,
                "application/vnd.goss-tap",
            ),
            (
                &["  application/vnd.goss-junit  "],
                Format::Rspecish,
                "application/vnd.goss-junit",
            ),
        ];
        for (accept, process_format, expected) in table {
            let format = negotiate(&headers(accept), *process_format);
            assert_eq!(
                content_type(format),
                *expected,
                "Accept {accept:?} with --format {process_format}"
            );
        }
    }

    #[test]
    fn every_format_is_reachable_by_its_vendor_media_type() {
        for format in Format::ALL {
            let accept = format!("{MEDIA_TYPE_PREFIX}{}", format.name());
            assert_eq!(negotiate(&headers(&[&accept]), Format::Silent), format);
        }
    }
}
