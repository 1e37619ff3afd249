//! Sprig's network and URL functions: `getHostByName` (resolved by the host) and
//! `urlParse` / `urlJoin` with Go's `net/url` rules.

use std::collections::BTreeMap;

use super::{Ctx, FuncResult, map_arg, str_arg};
use crate::gourl::{self, GoUrl};
use crate::value::{MapRef, Val};

/// What resolving one name costs against the step budget.
const COST_LOOKUP: u64 = 100_000;

/// `getHostByName`: one of the name's addresses, chosen at random. Sprig indexes
/// the (empty) result of a failed lookup, so a failure is Go's `rand.Intn` panic.
pub(crate) fn get_host_by_name(ctx: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    ctx.charge(COST_LOOKUP)?;
    let addrs = ctx.host.lookup_host(str_arg(&args, 0)).unwrap_or_default();
    if addrs.is_empty() {
        return Err("invalid argument to Intn".to_owned());
    }
    let i = super::random::below(addrs.len() as u64)? as usize;
    Ok(Val::str(addrs[i].as_str()))
}

/// `urlParse`: the URL's parts as a dict; a URL Go cannot parse is the panic
/// Sprig raises.
pub(crate) fn url_parse(_: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    let url = gourl::parse(str_arg(&args, 0)).map_err(|e| format!("unable to parse url: {e}"))?;
    let entries: BTreeMap<String, Val> = [
        ("scheme", url.scheme.clone()),
        ("host", url.host.clone()),
        ("hostname", url.hostname()),
        ("path", url.path.clone()),
        ("query", url.raw_query.clone()),
        ("opaque", url.opaque.clone()),
        ("fragment", url.fragment.clone()),
        ("userinfo", url.userinfo().unwrap_or_default()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), Val::str(v)))
    .collect();
    Ok(Val::Map(MapRef::new(entries)))
}

/// Sprig's `dictGetOrEmpty`: absent keys are "", non-strings are a panic.
fn field(map: &MapRef, key: &str) -> Result<String, String> {
    match map.get(key) {
        None => Ok(String::new()),
        Some(Val::Str(s)) => Ok(s.to_string()),
        Some(Val::Nil) => Err(super::NIL_DEREFERENCE.to_owned()),
        Some(other) => Err(format!(
            "unable to parse {key} key, must be of type string, but {} found",
            other.kind_name()
        )),
    }
}

/// `urlJoin`: a dict of parts (as `urlParse` makes) back into a URL.
pub(crate) fn url_join(_: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    let map = map_arg(&args, 0).unwrap_or_else(|| MapRef::new(BTreeMap::new()));
    let mut url = GoUrl {
        scheme: field(&map, "scheme")?,
        host: field(&map, "host")?,
        path: field(&map, "path")?,
        raw_query: field(&map, "query")?,
        opaque: field(&map, "opaque")?,
        fragment: field(&map, "fragment")?,
        ..GoUrl::default()
    };
    let userinfo = field(&map, "userinfo")?;
    if !userinfo.is_empty() {
        let parsed = gourl::parse(&format!("proto://{userinfo}@host"))
            .map_err(|e| format!("unable to parse userinfo in dict: {e}"))?;
        url.user = parsed.user;
    }
    Ok(Val::str(url.to_go_string()))
}
