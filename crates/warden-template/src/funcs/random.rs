//! Sprig's random functions: strings from `goutils`' `CryptoRandom*`, `randInt`,
//! `randBytes`, `uuidv4` and `xstrings.Shuffle`, drawn from the operating
//! system's generator. Lengths are capped by the output limit.

use data_encoding::BASE64;

use super::{Ctx, FuncResult, int_arg, str_arg};
use crate::value::Val;

fn fill(buf: &mut [u8]) -> Result<(), String> {
    getrandom::fill(buf).map_err(|e| e.to_string())
}

/// A uniform draw from `0..n` (`n > 0`), without modulo bias.
pub(crate) fn below(n: u64) -> Result<u64, String> {
    let zone = u64::MAX - (u64::MAX % n);
    loop {
        let mut bytes = [0u8; 8];
        fill(&mut bytes)?;
        let x = u64::from_le_bytes(bytes);
        if x < zone {
            return Ok(x % n);
        }
    }
}

/// `goutils.CryptoRandom(count, 0, 0, letters, numbers)` and the ASCII form:
/// characters drawn until `count` pass the filter. A negative count is Sprig's
/// swallowed error: the empty string.
fn random_string(ctx: &Ctx<'_>, count: i64, alphabet: &[u8]) -> FuncResult {
    let Ok(count) = usize::try_from(count) else {
        return Ok(Val::str(""));
    };
    ctx.check_size(count)?;
    let mut out = String::with_capacity(count);
    for _ in 0..count {
        let i = below(alphabet.len() as u64)? as usize;
        out.push(char::from(alphabet[i]));
    }
    Ok(Val::str(out))
}

const LETTERS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const DIGITS: &[u8] = b"0123456789";
const ALPHANUMERIC: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// Printable ASCII, space to `~` (`CryptoRandomAscii`: code points 32..127).
fn ascii() -> Vec<u8> {
    (32u8..127).collect()
}

pub(crate) fn rand_alpha_num(ctx: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    random_string(ctx, int_arg(&args, 0), ALPHANUMERIC)
}

pub(crate) fn rand_alpha(ctx: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    random_string(ctx, int_arg(&args, 0), LETTERS)
}

pub(crate) fn rand_numeric(ctx: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    random_string(ctx, int_arg(&args, 0), DIGITS)
}

pub(crate) fn rand_ascii(ctx: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    random_string(ctx, int_arg(&args, 0), &ascii())
}

/// `randInt min max`: `rand.Intn(max-min) + min`, which panics unless max > min.
pub(crate) fn rand_int(_: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    let (min, max) = (int_arg(&args, 0), int_arg(&args, 1));
    let span = max.wrapping_sub(min);
    if span <= 0 {
        return Err("invalid argument to Intn".to_owned());
    }
    let draw = below(span as u64)? as i64;
    Ok(Val::Int(draw.wrapping_add(min)))
}

/// `randBytes count`: that many random bytes, base64-encoded.
pub(crate) fn rand_bytes(ctx: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    let Ok(count) = usize::try_from(int_arg(&args, 0)) else {
        return Err("runtime error: makeslice: len out of range".to_owned());
    };
    ctx.check_size(count.saturating_mul(4) / 3 + 4)?;
    let mut buf = vec![0u8; count];
    fill(&mut buf)?;
    Ok(Val::str(BASE64.encode(&buf)))
}

/// `uuidv4`: a random (version 4, RFC 4122 variant) UUID, lower-case.
pub(crate) fn uuidv4(_: &mut Ctx<'_>, _: Vec<Val>) -> FuncResult {
    let mut b = [0u8; 16];
    fill(&mut b)?;
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex = data_encoding::HEXLOWER.encode(&b);
    Ok(Val::str(format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )))
}

/// `xstrings.Shuffle`: a Fisher–Yates shuffle of the characters.
pub(crate) fn shuffle(_: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    let mut chars: Vec<char> = str_arg(&args, 0).chars().collect();
    for i in (1..chars.len()).rev() {
        let j = below(i as u64 + 1)? as usize;
        chars.swap(i, j);
    }
    Ok(Val::str(chars.into_iter().collect::<String>()))
}
