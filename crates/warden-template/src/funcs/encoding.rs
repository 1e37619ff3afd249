//! Sprig's encodings, JSON and hashes. Note Sprig's quirk, kept here: `b64dec` and
//! `b32dec` return the decoder's error text as their result instead of failing.

use data_encoding::{BASE32, BASE64, HEXLOWER};
use sha1::Sha1;
use sha2::{Digest, Sha256};

use super::{Ctx, FuncResult, arg, str_arg};
use crate::json::{JsonOptions, encode};
use crate::value::Val;

pub(crate) fn b64enc(_: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    Ok(Val::str(BASE64.encode(str_arg(&args, 0).as_bytes())))
}

pub(crate) fn b32enc(_: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    Ok(Val::str(BASE32.encode(str_arg(&args, 0).as_bytes())))
}

/// Decodes as Go's `StdEncoding.DecodeString`, which skips CR and LF; on failure
/// the result is Go's error text, as Sprig returns it.
fn decode(encoding: &data_encoding::Encoding, name: &str, input: &str) -> String {
    let cleaned: String = input.chars().filter(|&c| c != '\r' && c != '\n').collect();
    match encoding.decode(cleaned.as_bytes()) {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(e) => format!("illegal {name} data at input byte {}", e.position),
    }
}

pub(crate) fn b64dec(_: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    Ok(Val::str(decode(&BASE64, "base64", str_arg(&args, 0))))
}

pub(crate) fn b32dec(_: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    Ok(Val::str(decode(&BASE32, "base32", str_arg(&args, 0))))
}

fn json(ctx: &Ctx<'_>, v: &Val, escape_html: bool, indent: Option<&str>) -> Result<String, String> {
    encode(
        v,
        &JsonOptions {
            escape_html,
            indent,
            limit: ctx.limits.max_output_bytes,
        },
    )
}

pub(crate) fn to_json(ctx: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    Ok(Val::str(
        json(ctx, &arg(&args, 0), true, None).unwrap_or_default(),
    ))
}

pub(crate) fn must_to_json(ctx: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    json(ctx, &arg(&args, 0), true, None).map(Val::str)
}

pub(crate) fn to_pretty_json(ctx: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    Ok(Val::str(
        json(ctx, &arg(&args, 0), true, Some("  ")).unwrap_or_default(),
    ))
}

pub(crate) fn must_to_pretty_json(ctx: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    json(ctx, &arg(&args, 0), true, Some("  ")).map(Val::str)
}

pub(crate) fn to_raw_json(ctx: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    Ok(Val::str(
        json(ctx, &arg(&args, 0), false, None).unwrap_or_default(),
    ))
}

pub(crate) fn must_to_raw_json(ctx: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    json(ctx, &arg(&args, 0), false, None).map(Val::str)
}

/// `json.Unmarshal` into `interface{}`: numbers become float64.
fn parse_json(text: &str) -> Result<Val, String> {
    let json: serde_json::Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
    Ok(Val::from_value(&warden_value::Value::from(&json)))
}

pub(crate) fn from_json(_: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    Ok(parse_json(str_arg(&args, 0)).unwrap_or(Val::Nil))
}

pub(crate) fn must_from_json(_: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    parse_json(str_arg(&args, 0))
}

pub(crate) fn sha1sum(_: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    Ok(Val::str(
        HEXLOWER.encode(&Sha1::digest(str_arg(&args, 0).as_bytes())),
    ))
}

pub(crate) fn sha256sum(_: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    Ok(Val::str(
        HEXLOWER.encode(&Sha256::digest(str_arg(&args, 0).as_bytes())),
    ))
}

pub(crate) fn adler32sum(_: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    Ok(Val::str(
        adler2::adler32_slice(str_arg(&args, 0).as_bytes()).to_string(),
    ))
}
