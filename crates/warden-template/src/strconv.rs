//! The parts of Go's `strconv` that templates expose: number literals with base
//! prefixes and underscores (`ParseInt(s, 0, 64)`), and `FormatFloat` in every
//! format `fmt` uses. Digit generation is Rust's (correctly rounded, ties to even,
//! like Go's); the layout around the digits is Go's.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NumError {
    Syntax,
    Range,
}

/// Splits an optional sign, then the base prefix that `base 0` parsing recognises.
fn split_prefix(s: &str) -> (bool, u32, &str, bool) {
    let (neg, body) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let lower = body.get(..2).map(str::to_ascii_lowercase);
    match lower.as_deref() {
        Some("0x") => (neg, 16, &body[2..], true),
        Some("0o") => (neg, 8, &body[2..], true),
        Some("0b") => (neg, 2, &body[2..], true),
        _ if body.len() > 1 && body.starts_with('0') => (neg, 8, &body[1..], true),
        _ => (neg, 10, body, false),
    }
}

/// Go's `underscoreOK`: underscores only between digits, or after a base prefix.
fn underscores_ok(digits: &str, prefixed: bool) -> bool {
    if !digits.contains('_') {
        return true;
    }
    let mut prev_digit = prefixed;
    let bytes = digits.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'_' {
            if !prev_digit || i + 1 == bytes.len() || bytes[i + 1] == b'_' {
                return false;
            }
            prev_digit = false;
        } else {
            prev_digit = true;
        }
    }
    true
}

/// The magnitude of an unsigned literal in `base 0` syntax.
fn parse_magnitude(s: &str) -> Result<(bool, u64), NumError> {
    let (neg, radix, digits, prefixed) = split_prefix(s);
    if digits.is_empty() {
        return Err(NumError::Syntax);
    }
    if !underscores_ok(digits, prefixed) {
        return Err(NumError::Syntax);
    }
    let mut value: u64 = 0;
    for c in digits.chars().filter(|&c| c != '_') {
        let d = c.to_digit(radix).ok_or(NumError::Syntax)?;
        value = value
            .checked_mul(u64::from(radix))
            .and_then(|v| v.checked_add(u64::from(d)))
            .ok_or(NumError::Range)?;
    }
    Ok((neg, value))
}

/// `strconv.ParseInt(s, 0, 64)`.
pub(crate) fn parse_int(s: &str) -> Result<i64, NumError> {
    let (neg, magnitude) = parse_magnitude(s)?;
    if neg {
        if magnitude > 1 << 63 {
            return Err(NumError::Range);
        }
        Ok((magnitude as i64).wrapping_neg())
    } else {
        i64::try_from(magnitude).map_err(|_| NumError::Range)
    }
}

/// `strconv.ParseUint(s, 0, 64)`: no sign allowed.
pub(crate) fn parse_uint(s: &str) -> Result<u64, NumError> {
    if s.starts_with(['+', '-']) {
        return Err(NumError::Syntax);
    }
    parse_magnitude(s).map(|(_, m)| m)
}

/// `strconv.ParseFloat(s, 64)`, including hex floats (`0x1.8p3`), `Inf` and `NaN`.
pub(crate) fn parse_float(s: &str) -> Option<f64> {
    let (neg, body) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let lower = body.to_ascii_lowercase();
    let magnitude = match lower.as_str() {
        "inf" | "infinity" => f64::INFINITY,
        "nan" => f64::NAN,
        _ if lower.starts_with("0x") => parse_hex_float(&lower[2..])?,
        _ => {
            if !underscores_ok(body, false) || body.is_empty() {
                return None;
            }
            let cleaned: String = body.chars().filter(|&c| c != '_').collect();
            if !cleaned
                .bytes()
                .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'))
            {
                return None;
            }
            cleaned.parse::<f64>().ok()?
        }
    };
    Some(if neg { -magnitude } else { magnitude })
}

fn parse_hex_float(s: &str) -> Option<f64> {
    let s: String = s.chars().filter(|&c| c != '_').collect();
    let (mantissa, exp) = match s.split_once('p') {
        Some((m, e)) => (m.to_owned(), e.parse::<i32>().ok()?),
        None => (s.clone(), 0),
    };
    let (int_part, frac_part) = mantissa.split_once('.').unwrap_or((&mantissa, ""));
    if int_part.is_empty() && frac_part.is_empty() {
        return None;
    }
    let mut value = 0f64;
    for c in int_part.chars() {
        value = value * 16.0 + f64::from(c.to_digit(16)?);
    }
    let mut scale = 1.0 / 16.0;
    for c in frac_part.chars() {
        value += f64::from(c.to_digit(16)?) * scale;
        scale /= 16.0;
    }
    Some(value * 2f64.powi(exp))
}

/// Decimal digits of |x| and the position of the decimal point: the value is
/// `0.d1d2d3… × 10^point`.
struct Digits {
    digits: Vec<u8>,
    point: i32,
}

fn split_exponent_form(text: &str) -> Digits {
    let (mantissa, exp) = text.split_once('e').unwrap_or((text, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let mut digits: Vec<u8> = mantissa.bytes().filter(u8::is_ascii_digit).collect();
    while digits.len() > 1 && digits.last() == Some(&b'0') {
        digits.pop();
    }
    if digits == [b'0'] {
        return Digits {
            digits: Vec::new(),
            point: 0,
        };
    }
    Digits {
        digits,
        point: exp + 1,
    }
}

fn shortest_digits(x: f64) -> Digits {
    split_exponent_form(&format!("{:e}", x.abs()))
}

/// Digits past these are zeros for every f64: its exact decimal expansion has at
/// most 767 significant digits and 1074 fraction digits. Rust's formatter also
/// refuses precisions above `u16::MAX`, while Go allows up to a million.
const EXACT_DIGITS: usize = 1100;

fn significant_digits(x: f64, n: usize) -> Digits {
    split_exponent_form(&format!(
        "{:.*e}",
        n.saturating_sub(1).min(EXACT_DIGITS),
        x.abs()
    ))
}

/// `strconv.FormatFloat(x, fmt, prec, 64)`; `prec < 0` asks for the shortest form.
pub(crate) fn format_float(x: f64, fmt: u8, prec: i32) -> String {
    if x.is_nan() {
        return "NaN".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "+Inf" } else { "-Inf" }.into();
    }
    let neg = x.is_sign_negative();
    let mut out = String::new();
    if neg {
        out.push('-');
    }
    match fmt {
        b'b' => {
            out.clear();
            out.push_str(&format_binary(x));
            return out;
        }
        b'x' | b'X' => {
            out.push_str(&format_hex(x, fmt, prec));
            return out;
        }
        b'f' | b'F' if prec >= 0 => {
            let prec = prec as usize;
            out.push_str(&format!("{:.*}", prec.min(EXACT_DIGITS), x.abs()));
            out.extend(std::iter::repeat_n('0', prec.saturating_sub(EXACT_DIGITS)));
            return out;
        }
        _ => {}
    }
    let shortest = prec < 0;
    let (digits, prec) = match fmt {
        b'e' | b'E' if shortest => {
            let d = shortest_digits(x);
            let p = d.digits.len().max(1) as i32 - 1;
            (d, p)
        }
        b'e' | b'E' => (significant_digits(x, prec as usize + 1), prec),
        b'f' | b'F' => {
            let d = shortest_digits(x);
            let p = (d.digits.len() as i32 - d.point).max(0);
            (d, p)
        }
        _ => {
            // 'g' / 'G'
            let (d, mut p) = if shortest {
                let d = shortest_digits(x);
                let p = d.digits.len() as i32;
                (d, p)
            } else {
                let p = if prec == 0 { 1 } else { prec };
                (significant_digits(x, p as usize), p)
            };
            let nd = d.digits.len() as i32;
            let mut eprec = p;
            if eprec > nd && nd >= d.point {
                eprec = nd;
            }
            if shortest {
                eprec = 6;
            }
            let exp = d.point - 1;
            let upper = fmt == b'G';
            if nd != 0 && (exp < -4 || exp >= eprec) {
                if p > nd {
                    p = nd;
                }
                out.push_str(&layout_e(&d, p - 1, if upper { b'E' } else { b'e' }));
                return out;
            }
            if p > d.point {
                p = nd;
            }
            out.push_str(&layout_f(&d, (p - d.point).max(0)));
            return out;
        }
    };
    match fmt {
        b'e' | b'E' => out.push_str(&layout_e(&digits, prec, fmt)),
        _ => out.push_str(&layout_f(&digits, prec)),
    }
    out
}

/// Go's `fmtE`: `d.ddde±dd`.
fn layout_e(d: &Digits, prec: i32, e: u8) -> String {
    let mut out = String::new();
    out.push(char::from(d.digits.first().copied().unwrap_or(b'0')));
    if prec > 0 {
        out.push('.');
        for i in 1..=prec as usize {
            out.push(char::from(d.digits.get(i).copied().unwrap_or(b'0')));
        }
    }
    out.push(char::from(e));
    let exp = if d.digits.is_empty() { 0 } else { d.point - 1 };
    out.push(if exp < 0 { '-' } else { '+' });
    let abs = exp.unsigned_abs();
    if abs < 10 {
        out.push('0');
    }
    out.push_str(&abs.to_string());
    out
}

/// Go's `fmtF`: integer part, then `prec` fraction digits.
fn layout_f(d: &Digits, prec: i32) -> String {
    let mut out = String::new();
    if d.point > 0 {
        for i in 0..d.point as usize {
            out.push(char::from(d.digits.get(i).copied().unwrap_or(b'0')));
        }
    } else {
        out.push('0');
    }
    if prec > 0 {
        out.push('.');
        for i in 1..=prec {
            let j = d.point + i - 1;
            let c = if j >= 0 {
                d.digits.get(j as usize).copied().unwrap_or(b'0')
            } else {
                b'0'
            };
            out.push(char::from(c));
        }
    }
    out
}

fn float_parts(x: f64) -> (u64, i32) {
    let bits = x.to_bits();
    let mut exp = ((bits >> 52) & 0x7ff) as i32;
    let mut mant = bits & ((1u64 << 52) - 1);
    if exp == 0 {
        exp += 1;
    } else {
        mant |= 1u64 << 52;
    }
    (mant, exp - 1023)
}

/// `%b`: decimal mantissa and binary exponent, `4503599627370496p-52`.
fn format_binary(x: f64) -> String {
    let (mant, exp) = float_parts(x);
    let exp = exp - 52;
    let sign = if x.is_sign_negative() { "-" } else { "" };
    let exp_sign = if exp >= 0 { "+" } else { "" };
    format!("{sign}{mant}p{exp_sign}{exp}")
}

/// `%x`: hexadecimal mantissa and binary exponent, `0x1.8p+01`.
fn format_hex(x: f64, fmt: u8, prec: i32) -> String {
    let (mut mant, mut exp) = float_parts(x.abs());
    if mant == 0 {
        exp = 0;
    }
    mant <<= 60 - 52;
    while mant != 0 && mant & (1 << 60) == 0 {
        mant <<= 1;
        exp -= 1;
    }
    if (0..15).contains(&prec) {
        let shift = (prec * 4) as u32;
        let extra = (mant << shift) & ((1u64 << 60) - 1);
        mant >>= 60 - shift;
        if extra | (mant & 1) > 1 << 59 {
            mant += 1;
        }
        mant <<= 60 - shift;
        if mant & (1 << 61) != 0 {
            mant >>= 1;
            exp += 1;
        }
    }
    let upper = fmt == b'X';
    let hex = |d: u64| {
        let c = char::from_digit((d & 15) as u32, 16).unwrap_or('0');
        if upper { c.to_ascii_uppercase() } else { c }
    };
    let mut out = String::from(if upper { "0X" } else { "0x" });
    out.push(if (mant >> 60) & 1 == 1 { '1' } else { '0' });
    mant <<= 4;
    if prec < 0 && mant != 0 {
        out.push('.');
        while mant != 0 {
            out.push(hex(mant >> 60));
            mant <<= 4;
        }
    } else if prec > 0 {
        out.push('.');
        for _ in 0..prec {
            out.push(hex(mant >> 60));
            mant <<= 4;
        }
    }
    out.push(if upper { 'P' } else { 'p' });
    out.push(if exp < 0 { '-' } else { '+' });
    let abs = exp.unsigned_abs();
    if abs < 10 {
        out.push('0');
    }
    out.push_str(&abs.to_string());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ints_parse_with_go_base_prefixes() {
        assert_eq!(parse_int("0x1F"), Ok(31));
        assert_eq!(parse_int("0o17"), Ok(15));
        assert_eq!(parse_int("017"), Ok(15));
        assert_eq!(parse_int("0b101"), Ok(5));
        assert_eq!(parse_int("1_000"), Ok(1000));
        assert_eq!(parse_int("-9223372036854775808"), Ok(i64::MIN));
        assert_eq!(parse_int("9223372036854775808"), Err(NumError::Range));
        assert_eq!(parse_int("1__0"), Err(NumError::Syntax));
        assert_eq!(parse_int("08"), Err(NumError::Syntax));
        assert_eq!(parse_int("0"), Ok(0));
        assert_eq!(parse_int(""), Err(NumError::Syntax));
        assert_eq!(parse_uint("18446744073709551615"), Ok(u64::MAX));
    }

    #[test]
    fn floats_format_like_strconv() {
        assert_eq!(format_float(1e6, b'g', -1), "1e+06");
        assert_eq!(format_float(123456.0, b'g', -1), "123456");
        assert_eq!(format_float(0.0001, b'g', -1), "0.0001");
        assert_eq!(format_float(1e-5, b'g', -1), "1e-05");
        assert_eq!(format_float(3.0, b'e', -1), "3e+00");
        assert_eq!(format_float(3.14158, b'e', 2), "3.14e+00");
        assert_eq!(format_float(3.14158, b'f', 2), "3.14");
        assert_eq!(format_float(100000.0, b'g', 3), "1e+05");
        assert_eq!(format_float(1.0, b'g', 3), "1");
        assert_eq!(format_float(0.0, b'e', 2), "0.00e+00");
        assert_eq!(format_float(1.0, b'b', -1), "4503599627370496p-52");
        assert_eq!(format_float(1.0, b'x', -1), "0x1p+00");
        assert_eq!(format_float(3.0, b'x', -1), "0x1.8p+01");
        assert_eq!(format_float(-2.5, b'f', -1), "-2.5");
        assert_eq!(format_float(0.125, b'f', 2), "0.12");
        assert_eq!(format_float(1.5, b'f', 100_000).len(), 100_002);
        assert_eq!(format_float(1.5, b'e', 100_000).len(), 100_006);
    }
}
