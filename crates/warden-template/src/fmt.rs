//! Go's `fmt` for template values: `Sprint`, `Sprintln`, `Sprintf` and `%v`.
//!
//! Templates print every value through `fmt` (`{{ .x }}` is `fmt.Fprint`), and
//! users lean on `printf` for padding and number layout, so this follows
//! `fmt/print.go` and `fmt/format.go`: verbs, flags, width and precision (also
//! from `*` arguments and `[n]` indexes), and the `%!d(string=x)` style of reporting
//! misuse. Output is capped so that a self-referencing map cannot print forever.

use crate::text::{can_backquote, go_quote, go_quote_rune, is_go_print};
use crate::value::{MapKind, Val};
use warden_value::strconv::format_float;

/// Containers nested deeper than this are refused rather than printed; only a
/// map that contains itself (built with Sprig's `set`) gets there in practice.
const MAX_DEPTH: usize = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FmtError {
    TooLarge,
    TooDeep,
}

impl FmtError {
    pub(crate) fn message(self, limit: usize) -> String {
        match self {
            FmtError::TooLarge => {
                format!("formatted value exceeds the output limit of {limit} bytes")
            }
            FmtError::TooDeep => format!("value nested more than {MAX_DEPTH} levels deep"),
        }
    }
}

#[derive(Debug, Default, Clone, Copy)]
struct Flags {
    plus: bool,
    minus: bool,
    sharp: bool,
    space: bool,
    zero: bool,
    plus_v: bool,
    sharp_v: bool,
    wid: usize,
    wid_present: bool,
    prec: usize,
    prec_present: bool,
}

pub(crate) struct Printer {
    buf: String,
    f: Flags,
    limit: usize,
    error: Option<FmtError>,
}

/// `fmt.Sprint`: spaces between operands when neither side is a string.
pub(crate) fn sprint(args: &[Val], limit: usize) -> Result<String, FmtError> {
    let mut p = Printer::new(limit);
    let mut prev_string = false;
    for (i, arg) in args.iter().enumerate() {
        let is_string = matches!(arg, Val::Str(_));
        if i > 0 && !is_string && !prev_string {
            p.write(" ");
        }
        p.print_arg(arg, 'v');
        prev_string = is_string;
    }
    p.finish()
}

/// `fmt.Sprintln`: spaces between all operands and a final newline.
pub(crate) fn sprintln(args: &[Val], limit: usize) -> Result<String, FmtError> {
    let mut p = Printer::new(limit);
    for (i, arg) in args.iter().enumerate() {
        if i > 0 {
            p.write(" ");
        }
        p.print_arg(arg, 'v');
    }
    p.write("\n");
    p.finish()
}

/// `fmt.Sprintf`.
pub(crate) fn sprintf(format: &str, args: &[Val], limit: usize) -> Result<String, FmtError> {
    let mut p = Printer::new(limit);
    p.do_printf(format, args);
    p.finish()
}

/// `%v` of one value, as `fmt.Sprint(v)`.
pub(crate) fn format_v(v: &Val, limit: usize) -> Result<String, FmtError> {
    let mut p = Printer::new(limit);
    p.print_arg(v, 'v');
    p.finish()
}

/// Parses a decimal run as Go's `parsenum`, giving up past one million.
fn parse_num(bytes: &[u8], mut i: usize) -> (usize, bool, usize) {
    let mut num = 0usize;
    let mut is_num = false;
    while let Some(&c) = bytes.get(i) {
        if !c.is_ascii_digit() {
            break;
        }
        if num > 1_000_000 {
            return (0, false, bytes.len());
        }
        num = num * 10 + usize::from(c - b'0');
        is_num = true;
        i += 1;
    }
    (num, is_num, i)
}

impl Printer {
    fn new(limit: usize) -> Self {
        Printer {
            buf: String::new(),
            f: Flags::default(),
            limit,
            error: None,
        }
    }

    fn finish(self) -> Result<String, FmtError> {
        match self.error {
            Some(e) => Err(e),
            None => Ok(self.buf),
        }
    }

    fn write(&mut self, s: &str) {
        if self.error.is_some() {
            return;
        }
        if self.buf.len() + s.len() > self.limit {
            self.error = Some(FmtError::TooLarge);
            return;
        }
        self.buf.push_str(s);
    }

    fn write_char(&mut self, c: char) {
        let mut tmp = [0u8; 4];
        self.write(c.encode_utf8(&mut tmp));
    }

    fn write_padding(&mut self, n: usize) {
        if n == 0 || self.error.is_some() {
            return;
        }
        if self.buf.len() + n > self.limit {
            self.error = Some(FmtError::TooLarge);
            return;
        }
        let pad = if self.f.zero && !self.f.minus {
            '0'
        } else {
            ' '
        };
        self.buf.extend(std::iter::repeat_n(pad, n));
    }

    /// Writes `s` padded to the width, counting runes as Go does.
    fn pad(&mut self, s: &str) {
        if !self.f.wid_present || self.f.wid == 0 {
            self.write(s);
            return;
        }
        let width = self.f.wid.saturating_sub(s.chars().count());
        if self.f.minus {
            self.write(s);
            self.write_padding(width);
        } else {
            self.write_padding(width);
            self.write(s);
        }
    }

    fn do_printf(&mut self, format: &str, args: &[Val]) {
        let bytes = format.as_bytes();
        let end = bytes.len();
        let mut arg_num = 0usize;
        let mut reordered = false;
        let mut i = 0;
        while i < end {
            if self.error.is_some() {
                return;
            }
            let mut good_arg_num = true;
            let last = i;
            while i < end && bytes[i] != b'%' {
                i += 1;
            }
            if i > last {
                self.write(format.get(last..i).unwrap_or(""));
            }
            if i >= end {
                break;
            }
            i += 1;
            self.f = Flags::default();
            while i < end {
                match bytes[i] {
                    b'#' => self.f.sharp = true,
                    b'0' => self.f.zero = !self.f.minus,
                    b'+' => self.f.plus = true,
                    b'-' => {
                        self.f.minus = true;
                        self.f.zero = false;
                    }
                    b' ' => self.f.space = true,
                    _ => break,
                }
                i += 1;
            }
            let mut after_index;
            (arg_num, i, after_index) = self.arg_number(
                arg_num,
                bytes,
                i,
                args.len(),
                &mut good_arg_num,
                &mut reordered,
            );
            if i < end && bytes[i] == b'*' {
                i += 1;
                let (num, ok, next) = int_from_arg(args, arg_num);
                arg_num = next;
                self.f.wid_present = ok;
                if !ok {
                    self.write("%!(BADWIDTH)");
                }
                if num < 0 {
                    self.f.minus = true;
                    self.f.zero = false;
                }
                self.f.wid = num.unsigned_abs() as usize;
                after_index = false;
            } else {
                let (num, ok, next) = parse_num(bytes, i);
                self.f.wid = num;
                self.f.wid_present = ok;
                i = next;
                if after_index && ok {
                    good_arg_num = false;
                }
            }
            if i + 1 < end && bytes[i] == b'.' {
                i += 1;
                if after_index {
                    good_arg_num = false;
                }
                (arg_num, i, after_index) = self.arg_number(
                    arg_num,
                    bytes,
                    i,
                    args.len(),
                    &mut good_arg_num,
                    &mut reordered,
                );
                if i < end && bytes[i] == b'*' {
                    i += 1;
                    let (num, ok, next) = int_from_arg(args, arg_num);
                    arg_num = next;
                    self.f.prec_present = ok && num >= 0;
                    self.f.prec = if num >= 0 { num as usize } else { 0 };
                    if !self.f.prec_present {
                        self.write("%!(BADPREC)");
                    }
                    after_index = false;
                } else {
                    let (num, _, next) = parse_num(bytes, i);
                    self.f.prec = num;
                    self.f.prec_present = true;
                    i = next;
                }
            }
            if !after_index {
                (arg_num, i, _) = self.arg_number(
                    arg_num,
                    bytes,
                    i,
                    args.len(),
                    &mut good_arg_num,
                    &mut reordered,
                );
            }
            let Some(verb) = format.get(i..).and_then(|s| s.chars().next()) else {
                self.write("%!(NOVERB)");
                break;
            };
            i += verb.len_utf8();
            match verb {
                '%' => self.write("%"),
                _ if !good_arg_num => self.bad_arg(verb, "BADINDEX"),
                _ => match args.get(arg_num) {
                    None => self.bad_arg(verb, "MISSING"),
                    Some(arg) => {
                        if verb == 'v' {
                            self.f.sharp_v = self.f.sharp;
                            self.f.sharp = false;
                            self.f.plus_v = self.f.plus;
                            self.f.plus = false;
                        }
                        self.print_arg(arg, verb);
                        arg_num += 1;
                    }
                },
            }
        }
        if !reordered && arg_num < args.len() {
            self.f = Flags::default();
            self.write("%!(EXTRA ");
            for (k, arg) in args.iter().skip(arg_num).enumerate() {
                if k > 0 {
                    self.write(", ");
                }
                if matches!(arg, Val::Nil) {
                    self.write("<nil>");
                } else {
                    self.write(arg.type_name());
                    self.write("=");
                    self.print_arg(arg, 'v');
                }
            }
            self.write(")");
        }
    }

    fn bad_arg(&mut self, verb: char, what: &str) {
        self.write("%!");
        self.write_char(verb);
        self.write("(");
        self.write(what);
        self.write(")");
    }

    /// Go's `argNumber`: an explicit `[n]` argument index.
    fn arg_number(
        &mut self,
        arg_num: usize,
        bytes: &[u8],
        i: usize,
        num_args: usize,
        good: &mut bool,
        reordered: &mut bool,
    ) -> (usize, usize, bool) {
        if bytes.get(i) != Some(&b'[') {
            return (arg_num, i, false);
        }
        *reordered = true;
        let rest = &bytes[i..];
        let (index, width, ok) = parse_arg_number(rest);
        if ok && index < num_args {
            return (index, i + width, true);
        }
        *good = false;
        (arg_num, i + width, ok)
    }

    pub(crate) fn print_arg(&mut self, arg: &Val, verb: char) {
        match (arg, verb) {
            (Val::Nil, 'T' | 'v') => self.pad("<nil>"),
            (Val::Nil, _) => self.bad_verb(verb, arg),
            (_, 'T') => self.fmt_s(arg.type_name()),
            _ => self.print_value(arg, verb, 0),
        }
    }

    fn print_value(&mut self, v: &Val, verb: char, depth: usize) {
        if self.error.is_some() {
            return;
        }
        if depth > MAX_DEPTH {
            self.error = Some(FmtError::TooDeep);
            return;
        }
        match v {
            Val::Nil => {
                if self.f.sharp_v {
                    self.write("interface {}(nil)");
                } else {
                    self.write("<nil>");
                }
            }
            Val::Bool(b) => match verb {
                't' | 'v' => self.pad(if *b { "true" } else { "false" }),
                _ => self.bad_verb(verb, v),
            },
            Val::Int(i) | Val::Int64(i) => self.fmt_int(*i, verb, v),
            Val::Float(x) => self.fmt_float_verb(*x, verb, v),
            Val::Str(s) => self.fmt_string(s, verb, v),
            Val::Version(version) => match verb {
                'v' | 's' | 'x' | 'X' | 'q' if !self.f.sharp_v => {
                    self.fmt_string(&version.to_string(), verb, v)
                }
                _ => self.bad_verb(verb, v),
            },
            // `time.Time` is a Stringer: every verb that prints strings uses String().
            Val::Time(t) => match verb {
                'v' | 's' | 'x' | 'X' | 'q' if !self.f.sharp_v => {
                    self.fmt_string(&t.go_string(), verb, v)
                }
                _ => self.bad_verb(verb, v),
            },
            Val::Cert(pair) => {
                let (cert, key) = (Val::str(pair.cert.as_str()), Val::str(pair.key.as_str()));
                if self.f.sharp_v {
                    self.write("sprig.certificate{Cert:");
                    self.print_value(&cert, verb, depth + 1);
                    self.write(", Key:");
                    self.print_value(&key, verb, depth + 1);
                    self.write("}");
                } else {
                    self.write("{");
                    if self.f.plus_v {
                        self.write("Cert:");
                    }
                    self.print_value(&cert, verb, depth + 1);
                    self.write(" ");
                    if self.f.plus_v {
                        self.write("Key:");
                    }
                    self.print_value(&key, verb, depth + 1);
                    self.write("}");
                }
            }
            Val::List(items) => {
                if self.f.sharp_v {
                    self.write("[]interface {}{");
                    for (i, item) in items.iter().enumerate() {
                        if i > 0 {
                            self.write(", ");
                        }
                        self.print_value(item, verb, depth + 1);
                    }
                    self.write("}");
                } else {
                    self.write("[");
                    for (i, item) in items.iter().enumerate() {
                        if i > 0 {
                            self.write(" ");
                        }
                        self.print_value(item, verb, depth + 1);
                    }
                    self.write("]");
                }
            }
            Val::Map(map) => {
                let string_map = map.kind == MapKind::String;
                if self.f.sharp_v {
                    self.write(v.type_name());
                    self.write("{");
                } else {
                    self.write("map[");
                }
                for (i, (key, value)) in map.entries().iter().enumerate() {
                    if i > 0 {
                        self.write(if self.f.sharp_v { ", " } else { " " });
                    }
                    self.fmt_string(key, verb, &Val::str(key.as_str()));
                    self.write(":");
                    if string_map && let Val::Str(s) = value {
                        self.fmt_string(s, verb, value);
                        continue;
                    }
                    self.print_value(value, verb, depth + 1);
                }
                self.write(if self.f.sharp_v { "}" } else { "]" });
            }
        }
    }

    /// `%!verb(type=value)`: how Go reports a verb that does not fit the operand.
    fn bad_verb(&mut self, verb: char, v: &Val) {
        self.write("%!");
        self.write_char(verb);
        self.write("(");
        if matches!(v, Val::Nil) {
            self.write("<nil>");
        } else {
            self.write(v.type_name());
            self.write("=");
            let saved_sharp_v = self.f.sharp_v;
            self.print_value(v, 'v', 0);
            self.f.sharp_v = saved_sharp_v;
        }
        self.write(")");
    }

    fn truncate<'a>(&self, s: &'a str) -> &'a str {
        if self.f.prec_present
            && let Some((i, _)) = s.char_indices().nth(self.f.prec)
        {
            return s.get(..i).unwrap_or(s);
        }
        s
    }

    fn fmt_s(&mut self, s: &str) {
        let s = self.truncate(s);
        self.pad(s);
    }

    fn fmt_q(&mut self, s: &str) {
        let s = self.truncate(s);
        if self.f.sharp && can_backquote(s) {
            self.pad(&format!("`{s}`"));
            return;
        }
        self.pad(&go_quote(s, self.f.plus));
    }

    fn fmt_string(&mut self, s: &str, verb: char, v: &Val) {
        match verb {
            'v' if self.f.sharp_v => self.fmt_q(s),
            'v' | 's' => self.fmt_s(s),
            'x' => self.fmt_sx(s, false),
            'X' => self.fmt_sx(s, true),
            'q' => self.fmt_q(s),
            _ => self.bad_verb(verb, v),
        }
    }

    /// `%x` of a string: two hex digits per byte, with `#` and space variants.
    fn fmt_sx(&mut self, s: &str, upper: bool) {
        let bytes = s.as_bytes();
        let mut length = bytes.len();
        if self.f.prec_present && self.f.prec < length {
            length = self.f.prec;
        }
        if length == 0 {
            if self.f.wid_present {
                self.write_padding(self.f.wid);
            }
            return;
        }
        let mut width = 2 * length;
        if self.f.space {
            if self.f.sharp {
                width *= 2;
            }
            width += length - 1;
        } else if self.f.sharp {
            width += 2;
        }
        if self.f.wid_present && self.f.wid > width && !self.f.minus {
            self.write_padding(self.f.wid - width);
        }
        let prefix = if upper { "0X" } else { "0x" };
        let mut out = String::with_capacity(width);
        if self.f.sharp {
            out.push_str(prefix);
        }
        for (i, b) in bytes.iter().take(length).enumerate() {
            if self.f.space && i > 0 {
                out.push(' ');
                if self.f.sharp {
                    out.push_str(prefix);
                }
            }
            if upper {
                out.push_str(&format!("{b:02X}"));
            } else {
                out.push_str(&format!("{b:02x}"));
            }
        }
        self.write(&out);
        if self.f.wid_present && self.f.wid > width && self.f.minus {
            self.write_padding(self.f.wid - width);
        }
    }

    fn fmt_int(&mut self, i: i64, verb: char, v: &Val) {
        match verb {
            'v' | 'd' => self.fmt_integer(i, 10, verb, false),
            'b' => self.fmt_integer(i, 2, verb, false),
            'o' | 'O' => self.fmt_integer(i, 8, verb, false),
            'x' => self.fmt_integer(i, 16, verb, false),
            'X' => self.fmt_integer(i, 16, verb, true),
            'c' => {
                let c = u32::try_from(i)
                    .ok()
                    .and_then(char::from_u32)
                    .unwrap_or('\u{FFFD}');
                self.pad(c.encode_utf8(&mut [0u8; 4]));
            }
            'q' => {
                let c = u32::try_from(i)
                    .ok()
                    .and_then(char::from_u32)
                    .unwrap_or('\u{FFFD}');
                if self.f.sharp && can_backquote(&c.to_string()) {
                    self.pad(&format!("'{c}'"));
                } else {
                    self.pad(&go_quote_rune(c, self.f.plus));
                }
            }
            'U' => self.fmt_unicode(i),
            _ => self.bad_verb(verb, v),
        }
    }

    fn fmt_unicode(&mut self, i: i64) {
        let prec = if self.f.prec_present && self.f.prec > 4 {
            self.f.prec
        } else {
            4
        };
        let hex = format!("{:X}", i as u64);
        let mut s = format!("U+{}{hex}", "0".repeat(prec.saturating_sub(hex.len())));
        if self.f.sharp
            && let Some(c) = u32::try_from(i)
                .ok()
                .and_then(char::from_u32)
                .filter(|&c| is_go_print(c))
        {
            s.push_str(&format!(" '{c}'"));
        }
        let saved_zero = self.f.zero;
        self.f.zero = false;
        self.pad(&s);
        self.f.zero = saved_zero;
    }

    fn fmt_integer(&mut self, value: i64, base: u32, verb: char, upper: bool) {
        let negative = value < 0;
        let magnitude = value.unsigned_abs();
        let mut prec = 0usize;
        if self.f.prec_present {
            prec = self.f.prec;
            if prec == 0 && magnitude == 0 {
                let saved_zero = self.f.zero;
                self.f.zero = false;
                self.write_padding(self.f.wid);
                self.f.zero = saved_zero;
                return;
            }
        } else if self.f.zero && !self.f.minus && self.f.wid_present {
            prec = self.f.wid;
            if negative || self.f.plus || self.f.space {
                prec = prec.saturating_sub(1);
            }
        }
        let mut digits = match base {
            2 => format!("{magnitude:b}"),
            8 => format!("{magnitude:o}"),
            16 if upper => format!("{magnitude:X}"),
            16 => format!("{magnitude:x}"),
            _ => magnitude.to_string(),
        };
        if digits.len() < prec {
            digits = format!("{}{digits}", "0".repeat(prec - digits.len()));
        }
        let mut prefix = String::new();
        if self.f.sharp {
            match base {
                2 => prefix.push_str("0b"),
                8 if !digits.starts_with('0') => prefix.push('0'),
                16 => prefix.push_str(if upper { "0X" } else { "0x" }),
                _ => {}
            }
        }
        if verb == 'O' {
            prefix.insert_str(0, "0o");
        }
        let sign = if negative {
            "-"
        } else if self.f.plus {
            "+"
        } else if self.f.space {
            " "
        } else {
            ""
        };
        let saved_zero = self.f.zero;
        self.f.zero = false;
        self.pad(&format!("{sign}{prefix}{digits}"));
        self.f.zero = saved_zero;
    }

    fn fmt_float_verb(&mut self, x: f64, verb: char, v: &Val) {
        match verb {
            'v' => self.fmt_float(x, 'g', None),
            'b' | 'g' | 'G' | 'x' | 'X' => self.fmt_float(x, verb, None),
            'f' | 'e' | 'E' => self.fmt_float(x, verb, Some(6)),
            'F' => self.fmt_float(x, 'f', Some(6)),
            _ => self.bad_verb(verb, v),
        }
    }

    /// Go's `fmt.fmtFloat`, including the `#` flag's decimal-point rules.
    fn fmt_float(&mut self, x: f64, verb: char, default_prec: Option<usize>) {
        let prec = if self.f.prec_present {
            Some(self.f.prec)
        } else {
            default_prec
        };
        let prec_arg = prec.map_or(-1, |p| p.min(1_000_000) as i32);
        let formatted = format_float(x, verb as u8, prec_arg);
        let mut num: Vec<char> = if formatted.starts_with(['-', '+']) {
            formatted.chars().collect()
        } else {
            std::iter::once('+').chain(formatted.chars()).collect()
        };
        if self.f.space && num[0] == '+' && !self.f.plus {
            num[0] = ' ';
        }
        if num.get(1).is_some_and(|&c| c == 'I' || c == 'N') {
            let saved_zero = self.f.zero;
            self.f.zero = false;
            if num[1] == 'N' && !self.f.space && !self.f.plus {
                num.remove(0);
            }
            let s: String = num.into_iter().collect();
            self.pad(&s);
            self.f.zero = saved_zero;
            return;
        }
        if self.f.sharp && verb != 'b' {
            let mut digits: i64 = 0;
            if matches!(verb, 'v' | 'g' | 'G' | 'x') {
                digits = prec.map_or(6, |p| p as i64);
            }
            let mut tail: Vec<char> = Vec::new();
            let mut has_point = false;
            let mut saw_nonzero = false;
            let mut k = 1;
            while k < num.len() {
                match num[k] {
                    '.' => has_point = true,
                    'p' | 'P' => {
                        tail.extend(num.drain(k..));
                        break;
                    }
                    'e' | 'E' if verb != 'x' && verb != 'X' => {
                        tail.extend(num.drain(k..));
                        break;
                    }
                    c => {
                        if c != '0' {
                            saw_nonzero = true;
                        }
                        if saw_nonzero {
                            digits -= 1;
                        }
                    }
                }
                k += 1;
            }
            if !has_point {
                if num.len() == 2 && num[1] == '0' {
                    digits -= 1;
                }
                num.push('.');
            }
            while digits > 0 {
                num.push('0');
                digits -= 1;
            }
            num.extend(tail);
        }
        let s: String = num.iter().collect();
        if self.f.plus || num[0] != '+' {
            if self.f.zero && !self.f.minus && self.f.wid_present && self.f.wid > num.len() {
                self.write_char(num[0]);
                self.write_padding(self.f.wid - num.len());
                self.write(s.get(1..).unwrap_or(""));
                return;
            }
            self.pad(&s);
            return;
        }
        self.pad(s.get(1..).unwrap_or(""));
    }
}

/// Go's `parseArgNumber` for `[n]`: zero-based index, bytes consumed, validity.
fn parse_arg_number(format: &[u8]) -> (usize, usize, bool) {
    if format.len() < 3 {
        return (0, 1, false);
    }
    for i in 1..format.len() {
        if format[i] == b']' {
            let (width, ok, next) = parse_num(&format[..i], 1);
            if !ok || next != i || width == 0 {
                return (0, i + 1, false);
            }
            return (width - 1, i + 1, true);
        }
    }
    (0, 1, false)
}

/// Go's `intFromArg`: a `*` width or precision taken from the arguments.
fn int_from_arg(args: &[Val], arg_num: usize) -> (i64, bool, usize) {
    match args.get(arg_num) {
        None => (0, false, arg_num),
        Some(Val::Int(n) | Val::Int64(n)) if n.unsigned_abs() <= 1_000_000 => {
            (*n, true, arg_num + 1)
        }
        Some(_) => (0, false, arg_num + 1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(x: &str) -> Val {
        Val::str(x)
    }

    #[test]
    fn sprintf_matches_go() {
        let cases: Vec<(&str, Vec<Val>, &str)> = vec![
            ("%d", vec![Val::Int(42)], "42"),
            (
                "%5d|%-5d|%05d",
                vec![Val::Int(42), Val::Int(42), Val::Int(-42)],
                "   42|42   |-0042",
            ),
            (
                "%x %X %o %O %b %#x",
                vec![
                    Val::Int(255),
                    Val::Int(255),
                    Val::Int(8),
                    Val::Int(8),
                    Val::Int(5),
                    Val::Int(255),
                ],
                "ff FF 10 0o10 101 0xff",
            ),
            ("%s", vec![Val::Int(5)], "%!s(int=5)"),
            ("%d", vec![s("x")], "%!d(string=x)"),
            ("%d", vec![], "%!d(MISSING)"),
            ("%d", vec![Val::Int(1), s("a")], "1%!(EXTRA string=a)"),
            ("%", vec![], "%!(NOVERB)"),
            (
                "%q %v %5.2f %e %g",
                vec![
                    s("a\"b"),
                    Val::Float(1.5),
                    Val::Float(3.14158),
                    Val::Float(1234.5678),
                    Val::Float(1e21),
                ],
                r#""a\"b" 1.5  3.14 1.234568e+03 1e+21"#,
            ),
            ("%t %v", vec![Val::Bool(true), Val::Nil], "true <nil>"),
            (
                "%c %U %#U",
                vec![Val::Int(65), Val::Int(0x1F600), Val::Int(65)],
                "A U+1F600 U+0041 'A'",
            ),
            ("%[2]d %[1]d", vec![Val::Int(1), Val::Int(2)], "2 1"),
            ("%*d", vec![Val::Int(4), Val::Int(7)], "   7"),
            (
                "%.2s|%-4s|%4s",
                vec![s("hello"), s("ab"), s("ab")],
                "he|ab  |  ab",
            ),
            (
                "%x % x %#x",
                vec![s("hi"), s("hi"), s("hi")],
                "6869 68 69 0x6869",
            ),
            (
                "%v",
                vec![Val::strings(["a".to_owned(), "b".to_owned()])],
                "[a b]",
            ),
            (
                "%d",
                vec![Val::list(vec![Val::Int(1), s("a")])],
                "[1 %!d(string=a)]",
            ),
            (
                "%#v",
                vec![Val::list(vec![Val::Int(1), s("a")])],
                r#"[]interface {}{1, "a"}"#,
            ),
            (
                "%T %T",
                vec![Val::Int64(1), Val::list(vec![])],
                "int64 []interface {}",
            ),
            (
                "%+d % d %+.1e",
                vec![Val::Int(5), Val::Int(5), Val::Float(12345.0)],
                "+5  5 +1.2e+04",
            ),
            (
                "%#g %#.3x",
                vec![Val::Float(1.0), Val::Int(1)],
                "1.00000 0x001",
            ),
            (
                "%08.3f|%-8.2f|%+.0f",
                vec![Val::Float(-3.14158), Val::Float(2.5), Val::Float(2.5)],
                "-003.142|2.50    |+2",
            ),
            (
                "%5t|%v",
                vec![Val::Bool(false), Val::Float(f64::NAN)],
                "false|NaN",
            ),
            ("%6.2v", vec![Val::Float(3.14158)], "   3.1"),
            ("%.6U", vec![Val::Int(65)], "U+000041"),
        ];
        for (format, args, want) in cases {
            assert_eq!(sprintf(format, &args, 1 << 20).unwrap(), want, "{format}");
        }
    }

    #[test]
    fn sprint_spaces_between_non_strings() {
        let args = [
            Val::Int(1),
            Val::Int(2),
            s("a"),
            Val::Int(3),
            s("b"),
            s("c"),
        ];
        assert_eq!(sprint(&args, 1 << 20).unwrap(), "1 2a3bc");
        assert_eq!(sprintln(&args, 1 << 20).unwrap(), "1 2 a 3 b c\n");
    }

    #[test]
    fn output_is_capped() {
        assert_eq!(
            sprintf("%999999d", &[Val::Int(1)], 1000),
            Err(FmtError::TooLarge)
        );
    }
}
