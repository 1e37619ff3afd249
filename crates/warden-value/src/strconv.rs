//! Go's `strconv` number syntax, in one place for every crate that has to read or
//! print numbers as Go does: `ParseInt(s, 0, 64)` and `ParseUint(s, 0, 64)` (base
//! prefixes and underscores), `ParseFloat(s, 64)` (decimal and hexadecimal floats,
//! `Inf`, `NaN`, underscores, range errors) and `FormatFloat` in every format `fmt`
//! uses. Decimal digit generation is Rust's (correctly rounded, ties to even, like
//! Go's); the syntax and the layout around the digits are Go's.

/// Go's `strconv.ErrSyntax` and `strconv.ErrRange`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NumError {
    Syntax,
    Range,
}

impl NumError {
    /// The text Go's `*NumError` ends with.
    pub fn text(self) -> &'static str {
        match self {
            NumError::Syntax => "invalid syntax",
            NumError::Range => "value out of range",
        }
    }
}

fn split_sign(s: &str) -> (bool, &str) {
    match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    }
}

/// Splits an optional sign, then the base prefix that `base 0` parsing recognises.
fn split_prefix(s: &str) -> (bool, u32, &str, bool) {
    let (neg, body) = split_sign(s);
    let lower = body.get(..2).map(str::to_ascii_lowercase);
    match lower.as_deref() {
        Some("0x") => (neg, 16, &body[2..], true),
        Some("0o") => (neg, 8, &body[2..], true),
        Some("0b") => (neg, 2, &body[2..], true),
        _ if body.len() > 1 && body.starts_with('0') => (neg, 8, &body[1..], true),
        _ => (neg, 10, body, false),
    }
}

/// Go's `underscoreOK`: an underscore must sit between digits, or between a base
/// prefix and a digit. `s` may carry a sign and a prefix.
fn underscore_ok(s: &str) -> bool {
    let (_, s) = split_sign(s);
    let bytes = s.as_bytes();
    // '^' start, '0' digit or prefix, '_' underscore, '!' anything else.
    let mut saw = b'^';
    let mut i = 0;
    let mut hex = false;
    if bytes.len() >= 2
        && bytes[0] == b'0'
        && matches!(bytes[1].to_ascii_lowercase(), b'b' | b'o' | b'x')
    {
        i = 2;
        saw = b'0';
        hex = bytes[1].eq_ignore_ascii_case(&b'x');
    }
    while i < bytes.len() {
        let c = bytes[i];
        i += 1;
        if c.is_ascii_digit() || (hex && c.is_ascii_hexdigit()) {
            saw = b'0';
            continue;
        }
        if c == b'_' {
            if saw != b'0' {
                return false;
            }
            saw = b'_';
            continue;
        }
        if saw == b'_' {
            return false;
        }
        saw = b'!';
    }
    saw != b'_'
}

/// The magnitude of an integer literal in `base 0` syntax.
fn parse_magnitude(s: &str) -> Result<(bool, u64), NumError> {
    let (neg, radix, digits, _) = split_prefix(s);
    if digits.is_empty() || !underscore_ok(s) {
        return Err(NumError::Syntax);
    }
    let mut value: u64 = 0;
    let mut overflow = false;
    for c in digits.chars().filter(|&c| c != '_') {
        let d = c.to_digit(radix).ok_or(NumError::Syntax)?;
        match value
            .checked_mul(u64::from(radix))
            .and_then(|v| v.checked_add(u64::from(d)))
        {
            Some(v) => value = v,
            None => overflow = true,
        }
    }
    if overflow {
        return Err(NumError::Range);
    }
    Ok((neg, value))
}

/// `strconv.ParseInt(s, 0, 64)`.
pub fn parse_int(s: &str) -> Result<i64, NumError> {
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
pub fn parse_uint(s: &str) -> Result<u64, NumError> {
    if s.starts_with(['+', '-']) {
        return Err(NumError::Syntax);
    }
    parse_magnitude(s).map(|(_, m)| m)
}

/// `strconv.ParseFloat(s, 64)`. On failure the error comes with the value Go
/// returns beside it: `±Inf` for a range error, `0` for a syntax error.
pub fn parse_float(s: &str) -> Result<f64, (f64, NumError)> {
    if let Some(special) = special(s) {
        return Ok(special);
    }
    let (neg, body) = split_sign(s);
    let bytes = body.as_bytes();
    let hex = bytes.len() > 2 && bytes[0] == b'0' && bytes[1].eq_ignore_ascii_case(&b'x');
    let magnitude = if hex {
        parse_hex(&body[2..]).ok_or((0.0, NumError::Syntax))?
    } else {
        if !decimal_syntax(body) {
            return Err((0.0, NumError::Syntax));
        }
        let cleaned: String = body.chars().filter(|&c| c != '_').collect();
        cleaned
            .parse::<f64>()
            .map_err(|_| (0.0, NumError::Syntax))?
    };
    if body.contains('_') && !underscore_ok(s) {
        return Err((0.0, NumError::Syntax));
    }
    let value = if neg { -magnitude } else { magnitude };
    if value.is_infinite() {
        return Err((value, NumError::Range));
    }
    Ok(value)
}

/// Go's `special`: `Inf`, `Infinity` (optionally signed) and `NaN` (unsigned), in
/// any case, as the whole string.
fn special(s: &str) -> Option<f64> {
    let (neg, body) = split_sign(s);
    if body.eq_ignore_ascii_case("inf") || body.eq_ignore_ascii_case("infinity") {
        return Some(if neg {
            f64::NEG_INFINITY
        } else {
            f64::INFINITY
        });
    }
    (s.eq_ignore_ascii_case("nan")).then_some(f64::NAN)
}

/// Digits (and underscores) with at most one `.` and at least one digit, then an
/// optional `e` exponent with at least one digit.
fn decimal_syntax(s: &str) -> bool {
    let (mantissa, exponent) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let digits = mantissa.bytes().filter(u8::is_ascii_digit).count();
    let dots = mantissa.bytes().filter(|&b| b == b'.').count();
    let underscores = mantissa.bytes().filter(|&b| b == b'_').count();
    let mantissa_ok = digits > 0 && dots <= 1 && digits + dots + underscores == mantissa.len();
    let exponent_ok = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['+', '-']).unwrap_or(e);
        e.bytes().any(|b| b.is_ascii_digit()) && e.bytes().all(|b| b.is_ascii_digit() || b == b'_')
    });
    mantissa_ok && exponent_ok
}

/// A hexadecimal float after its `0x`: mantissa digits with an optional point,
/// then a mandatory `p` exponent. Rounded once, to nearest even, as Go does.
fn parse_hex(s: &str) -> Option<f64> {
    let (mantissa, exponent) = s.split_once(['p', 'P'])?;
    let exponent = exponent.strip_prefix('+').unwrap_or(exponent);
    let (exp_neg, exp_digits) = match exponent.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, exponent),
    };
    if !exp_digits.bytes().any(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut exp: i64 = 0;
    for b in exp_digits.bytes() {
        match b {
            b'_' => {}
            b'0'..=b'9' => {
                if exp < 100_000 {
                    exp = exp * 10 + i64::from(b - b'0');
                }
            }
            _ => return None,
        }
    }
    if exp_neg {
        exp = -exp;
    }
    let mut m: u64 = 0;
    let mut sticky = false;
    let mut seen_digit = false;
    let mut after_dot = false;
    for c in mantissa.chars() {
        match c {
            '_' => {}
            '.' if !after_dot => after_dot = true,
            _ => {
                let d = u64::from(c.to_digit(16)?);
                seen_digit = true;
                if m >> 60 == 0 {
                    m = m * 16 + d;
                    if after_dot {
                        exp -= 4;
                    }
                } else {
                    sticky |= d != 0;
                    if !after_dot {
                        exp += 4;
                    }
                }
            }
        }
    }
    if !seen_digit {
        return None;
    }
    Some(round_binary(m, exp, sticky))
}

/// `m × 2^exp` (plus a nonzero tail when `sticky`) rounded to the nearest f64.
fn round_binary(m: u64, exp: i64, sticky: bool) -> f64 {
    if m == 0 {
        return 0.0;
    }
    let shift = m.leading_zeros();
    let m = m << shift;
    // Value = m × 2^(e), m in [2^63, 2^64): the leading bit has weight 2^(e + 63).
    let e = exp - i64::from(shift);
    let top = e + 63;
    if top > 1023 {
        return f64::INFINITY;
    }
    let drop = if top >= -1022 { 11 } else { 11 + (-1022 - top) };
    let (mut mant, rem, half) = if drop >= 64 {
        let half = if drop == 64 { 1u128 << 63 } else { u128::MAX };
        (0u64, u128::from(m), half)
    } else {
        let drop = drop as u32;
        (
            m >> drop,
            u128::from(m & ((1u64 << drop) - 1)),
            1u128 << (drop - 1),
        )
    };
    if rem > half || (rem == half && (sticky || mant & 1 == 1)) {
        mant += 1;
    }
    if top >= -1022 {
        let mut biased = top + 1023;
        if mant == 1 << 53 {
            mant >>= 1;
            biased += 1;
        }
        if biased >= 2047 {
            return f64::INFINITY;
        }
        f64::from_bits(((biased as u64) << 52) | (mant & ((1 << 52) - 1)))
    } else {
        // Subnormal; rounding up to 2^52 lands exactly on the smallest normal.
        f64::from_bits(mant)
    }
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
pub fn format_float(x: f64, fmt: u8, prec: i32) -> String {
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
        b'b' => return format_binary(x),
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
        assert_eq!(parse_int("0x_1F"), Ok(31));
        assert_eq!(parse_int("-9223372036854775808"), Ok(i64::MIN));
        assert_eq!(parse_int("9223372036854775808"), Err(NumError::Range));
        assert_eq!(parse_int("1__0"), Err(NumError::Syntax));
        assert_eq!(parse_int("_10"), Err(NumError::Syntax));
        assert_eq!(parse_int("10_"), Err(NumError::Syntax));
        assert_eq!(parse_int("08"), Err(NumError::Syntax));
        assert_eq!(parse_int("0"), Ok(0));
        assert_eq!(parse_int(""), Err(NumError::Syntax));
        assert_eq!(parse_uint("18446744073709551615"), Ok(u64::MAX));
        assert_eq!(parse_uint("18446744073709551616"), Err(NumError::Range));
        assert_eq!(parse_uint("-1"), Err(NumError::Syntax));
    }

    /// Cases from Go's `strconv/atof_test.go` (`atoftests`): input, `%v` of the
    /// result as `FormatFloat(f, 'g', -1, 64)` prints it, and the error.
    #[test]
    fn parse_float_matches_go_atof_tests() {
        use NumError::{Range, Syntax};
        let cases: &[(&str, &str, Option<NumError>)] = &[
            ("", "0", Some(Syntax)),
            ("1", "1", None),
            ("+1", "1", None),
            ("1x", "0", Some(Syntax)),
            ("1.1.", "0", Some(Syntax)),
            ("1e23", "1e+23", None),
            ("1E23", "1e+23", None),
            ("100000000000000000000000", "1e+23", None),
            ("1e-100", "1e-100", None),
            ("123456700", "1.234567e+08", None),
            ("99999999999999974834176", "9.999999999999997e+22", None),
            ("100000000000000000000001", "1.0000000000000001e+23", None),
            ("100000000000000008388608", "1.0000000000000001e+23", None),
            ("100000000000000016777215", "1.0000000000000001e+23", None),
            ("100000000000000016777216", "1.0000000000000003e+23", None),
            ("-1", "-1", None),
            ("-0.1", "-0.1", None),
            ("-0", "-0", None),
            ("1e-20", "1e-20", None),
            ("625e-3", "0.625", None),
            // Hexadecimal floating-point.
            ("0x1p0", "1", None),
            ("0x1p1", "2", None),
            ("0x1p-1", "0.5", None),
            ("0x1ep-1", "15", None),
            ("-0x1ep-1", "-15", None),
            ("-0x1_ep-1", "-15", None),
            ("0x1p-200", "6.223015277861142e-61", None),
            ("0x1p200", "1.6069380442589903e+60", None),
            ("0x1fFe2.p0", "131042", None),
            ("0x1fFe2.P0", "131042", None),
            ("-0x2p3", "-16", None),
            ("0x0.fp4", "15", None),
            ("0x0.fp0", "0.9375", None),
            ("0x1e2", "0", Some(Syntax)),
            ("1p2", "0", Some(Syntax)),
            // Zeros.
            ("0", "0", None),
            ("0e0", "0", None),
            ("-0e0", "-0", None),
            ("+0e0", "0", None),
            ("0e-0", "0", None),
            ("-0e-0", "-0", None),
            ("0e+01234567890123456789", "0", None),
            ("0.00e-01234567890123456789", "0", None),
            ("-0e+01234567890123456789", "-0", None),
            ("0x0p+01234567890123456789", "0", None),
            ("-0x0.00p-01234567890123456789", "-0", None),
            ("0e291", "0", None),
            ("0e348", "0", None),
            ("0x0p1026", "0", None),
            // NaNs and infinities.
            ("nan", "NaN", None),
            ("NaN", "NaN", None),
            ("NAN", "NaN", None),
            ("inf", "+Inf", None),
            ("-Inf", "-Inf", None),
            ("+INF", "+Inf", None),
            ("-Infinity", "-Inf", None),
            ("+INFINITY", "+Inf", None),
            ("Infinity", "+Inf", None),
            // Largest float64.
            ("1.7976931348623157e308", "1.7976931348623157e+308", None),
            ("-1.7976931348623157e308", "-1.7976931348623157e+308", None),
            ("0x1.fffffffffffffp1023", "1.7976931348623157e+308", None),
            ("-0x1.fffffffffffffp1023", "-1.7976931348623157e+308", None),
            ("0x1fffffffffffffp+971", "1.7976931348623157e+308", None),
            ("0x.1fffffffffffffp1027", "1.7976931348623157e+308", None),
            // Next float64: too large.
            ("1.7976931348623159e308", "+Inf", Some(Range)),
            ("-1.7976931348623159e308", "-Inf", Some(Range)),
            ("0x1p1024", "+Inf", Some(Range)),
            ("-0x1p1024", "-Inf", Some(Range)),
            ("0x2p1023", "+Inf", Some(Range)),
            ("0x.1p1028", "+Inf", Some(Range)),
            ("0x.2p1027", "+Inf", Some(Range)),
            // The border.
            ("1.7976931348623158e308", "1.7976931348623157e+308", None),
            (
                "0x1.fffffffffffff7fffp1023",
                "1.7976931348623157e+308",
                None,
            ),
            (
                "-0x1.fffffffffffff7fffp1023",
                "-1.7976931348623157e+308",
                None,
            ),
            ("1.797693134862315808e308", "+Inf", Some(Range)),
            ("0x1.fffffffffffff8p1023", "+Inf", Some(Range)),
            ("-0x1.fffffffffffff8p1023", "-Inf", Some(Range)),
            ("0x1fffffffffffff.8p+971", "+Inf", Some(Range)),
            ("-0x1fffffffffffff8p+967", "-Inf", Some(Range)),
            ("0x.1fffffffffffff8p1027", "+Inf", Some(Range)),
            ("-0x.1fffffffffffff9p1027", "-Inf", Some(Range)),
            // Too large.
            ("1e308", "1e+308", None),
            ("2e308", "+Inf", Some(Range)),
            ("1e309", "+Inf", Some(Range)),
            ("0x1p1025", "+Inf", Some(Range)),
            ("1e400", "+Inf", Some(Range)),
            ("-1e400", "-Inf", Some(Range)),
            ("1e400000", "+Inf", Some(Range)),
            ("0x1p2000000000", "+Inf", Some(Range)),
            ("-0x1p2000000000", "-Inf", Some(Range)),
            // Denormals.
            ("1e-305", "1e-305", None),
            ("1e-310", "1e-310", None),
            ("1e-322", "1e-322", None),
            ("5e-324", "5e-324", None),
            ("4e-324", "5e-324", None),
            ("3e-324", "5e-324", None),
            ("2e-324", "0", None),
            ("0x1p-1074", "5e-324", None),
            ("0x1p-1075", "0", None),
            ("0x1.8p-1075", "5e-324", None),
            ("0x1p-1022", "2.2250738585072014e-308", None),
            ("0x.fffffffffffffp-1022", "2.225073858507201e-308", None),
            ("1e-350", "0", None),
            ("1e-400000", "0", None),
            // Round to even.
            ("0x1.00000000000008p0", "1", None),
            ("0x1.00000000000018p0", "1.0000000000000004", None),
            (
                "0x1.00000000000008000000000000000001p0",
                "1.0000000000000002",
                None,
            ),
            // Underscores.
            ("1_23.50_0_0e+1_2", "1.235e+14", None),
            ("-_123.5e+12", "0", Some(Syntax)),
            ("+_123.5e+12", "0", Some(Syntax)),
            ("_123.5e+12", "0", Some(Syntax)),
            ("1__23.5e+12", "0", Some(Syntax)),
            ("123_.5e+12", "0", Some(Syntax)),
            ("123._5e+12", "0", Some(Syntax)),
            ("123.5_e+12", "0", Some(Syntax)),
            ("123.5__0e+12", "0", Some(Syntax)),
            ("123.5e_+12", "0", Some(Syntax)),
            ("123.5e+_12", "0", Some(Syntax)),
            ("123.5e_-12", "0", Some(Syntax)),
            ("123.5e-_12", "0", Some(Syntax)),
            ("123.5e+1__2", "0", Some(Syntax)),
            ("123.5e+12_", "0", Some(Syntax)),
            ("0x_1_2.3_4_5p+1_2", "74565", None),
            ("-_0x12.345p+12", "0", Some(Syntax)),
            ("+_0x12.345p+12", "0", Some(Syntax)),
            ("_0x12.345p+12", "0", Some(Syntax)),
            ("0x__12.345p+12", "0", Some(Syntax)),
            ("0x1__2.345p+12", "0", Some(Syntax)),
            ("0x12_.345p+12", "0", Some(Syntax)),
            ("0x12._345p+12", "0", Some(Syntax)),
            ("0x12.3__45p+12", "0", Some(Syntax)),
            ("0x12.345_p+12", "0", Some(Syntax)),
            ("0x12.345p_+12", "0", Some(Syntax)),
            ("0x12.345p+_12", "0", Some(Syntax)),
            ("0x12.345p+1__2", "0", Some(Syntax)),
            ("0x12.345p+12_", "0", Some(Syntax)),
            ("1e100x", "0", Some(Syntax)),
            ("1e1000x", "0", Some(Syntax)),
            // Forms matchers and templates meet.
            ("128.3", "128.3", None),
            (".5", "0.5", None),
            ("5.", "5", None),
            (".", "0", Some(Syntax)),
            ("1e", "0", Some(Syntax)),
            ("+nan", "0", Some(Syntax)),
            ("-NaN", "0", Some(Syntax)),
            ("infinit", "0", Some(Syntax)),
            ("0x10", "0", Some(Syntax)),
            ("0x", "0", Some(Syntax)),
            (" 1", "0", Some(Syntax)),
        ];
        let mut failures = Vec::new();
        for &(input, want, want_err) in cases {
            let (value, err) = match parse_float(input) {
                Ok(v) => (v, None),
                Err((v, e)) => (v, Some(e)),
            };
            let got = format_float(value, b'g', -1);
            if got != want || err != want_err {
                failures.push(format!(
                    "{input:?}: want {want} {want_err:?}, got {got} {err:?}"
                ));
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
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
