//! `matching`: a value from the gossfile itself (usually templated) against a matcher.

use std::io::Cursor;

use warden_gossfile::Resource;
use warden_matchers::Actual;

use crate::checks::Checks;

pub(crate) async fn check(resource: &Resource) -> Checks<'_> {
    let mut checks = Checks::new(resource);
    let content = resource
        .attr("content")
        .map(|a| a.node.to_value())
        .unwrap_or_default();
    let as_reader = resource.bool("as-reader");
    checks
        .required("matches", async || {
            Ok(if as_reader {
                // goss feeds `fmt.Sprint(content)` to the reader matchers.
                Actual::Reader(Box::new(Cursor::new(content.to_string().into_bytes())))
            } else {
                Actual::Value(content)
            })
        })
        .await;
    checks
}
