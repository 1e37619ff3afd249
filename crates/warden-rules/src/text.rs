//! Field values as streams of borrowed byte chunks, and the string operators over them.
//!
//! A value such as `proc.cmdline` is `comm` and the arguments with spaces between; it is
//! never built as one string. Every operator consumes the chunks in order (equality,
//! prefixes, KMP for `contains`, a DFA for `glob`/`regex`, a streaming hash for `in`),
//! so evaluating a condition allocates nothing. Numbers, addresses and times are
//! formatted into stack buffers as they are streamed.

use std::cmp::Ordering;
use std::fmt::Write as _;

use memchr::memmem;
use std::panic::{RefUnwindSafe, UnwindSafe};
use std::sync::Arc;

use regex_automata::hybrid::dfa::{Cache, DFA};
use regex_automata::util::{pool::Pool, start, syntax};
use regex_automata::{Anchored, nfa::thompson};

use warden_events::Mount;

/// Something that can be read as a sequence of byte chunks, as many times as needed.
pub(crate) trait Source {
    /// Calls `f` with each chunk until it returns false; returns false if stopped early.
    fn each(&self, f: &mut dyn FnMut(&[u8]) -> bool) -> bool;

    /// The whole value when it is one borrowed slice (the fast path for most fields).
    fn contiguous(&self) -> Option<&[u8]> {
        None
    }
}

/// How a flag set is rendered: names of the set bits joined by `sep`, or `zero` when
/// none is set. An entry matches when `bits & mask == value`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FlagTable {
    pub(crate) entries: &'static [(u64, u64, &'static str)],
    pub(crate) sep: &'static str,
}

/// How a timestamp is rendered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TimeStyle {
    /// `HH:MM:SS.nnnnnnnnn` (Falco's `evt.time`, UTC here).
    Clock,
    /// `YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ`.
    Iso8601,
    /// `YYYY-MM-DD HH:MM:SS.nnnnnnnnn`.
    DateTime,
    /// Whole seconds since the epoch, with 9 decimals (`evt.time.s`).
    Seconds,
}

/// A string-typed field value.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Text<'e> {
    Str(&'e str),
    /// `head arg1 arg2 ...` (`proc.cmdline`); just `head` without arguments.
    Words {
        head: &'e str,
        rest: &'e [String],
    },
    /// The items joined by `sep` (`proc.args`, `proc.env`).
    Join {
        items: &'e [String],
        sep: &'static str,
    },
    Flags {
        bits: u64,
        table: &'static FlagTable,
        /// Rendered when no entry matches (`""` for capability sets, the number for
        /// syscall flag arguments, as Falco shows them).
        zero_as_number: bool,
    },
    Int(i64),
    Uint(u64),
    Time(u64, TimeStyle),
    /// `container.mounts`: `source:dest:mode:rw:propagation,...`.
    Mounts(&'e [Mount]),
    /// `evt.args`: `name=value name=value ...`.
    EventArgs(&'e warden_events::Event),
}

/// A small fixed buffer that formatting writes into.
pub(crate) struct StackBuf<const N: usize> {
    bytes: [u8; N],
    len: usize,
}

impl<const N: usize> StackBuf<N> {
    pub(crate) fn new() -> Self {
        StackBuf {
            bytes: [0; N],
            len: 0,
        }
    }

    pub(crate) fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }
}

impl<const N: usize> std::fmt::Write for StackBuf<N> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let end = self.len + s.len();
        if end > N {
            return Err(std::fmt::Error);
        }
        self.bytes[self.len..end].copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

/// Days since 1970-01-01 to (year, month, day), from Howard Hinnant's algorithm.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

pub(crate) fn write_time(
    out: &mut impl std::fmt::Write,
    ns: u64,
    style: TimeStyle,
) -> std::fmt::Result {
    let secs = (ns / 1_000_000_000) as i64;
    let nanos = ns % 1_000_000_000;
    let (year, month, day) = civil_from_days(secs.div_euclid(86_400));
    let of_day = secs.rem_euclid(86_400);
    let (h, m, s) = (of_day / 3600, of_day % 3600 / 60, of_day % 60);
    match style {
        TimeStyle::Clock => write!(out, "{h:02}:{m:02}:{s:02}.{nanos:09}"),
        TimeStyle::Iso8601 => write!(
            out,
            "{year:04}-{month:02}-{day:02}T{h:02}:{m:02}:{s:02}.{nanos:09}Z"
        ),
        TimeStyle::DateTime => write!(
            out,
            "{year:04}-{month:02}-{day:02} {h:02}:{m:02}:{s:02}.{nanos:09}"
        ),
        TimeStyle::Seconds => write!(out, "{secs}.{nanos:09}"),
    }
}

impl Source for Text<'_> {
    fn contiguous(&self) -> Option<&[u8]> {
        match self {
            Text::Str(s) => Some(s.as_bytes()),
            Text::Words { head, rest: [] } => Some(head.as_bytes()),
            Text::Join { items, .. } if items.len() <= 1 => {
                Some(items.first().map_or(&b""[..], |s| s.as_bytes()))
            }
            _ => None,
        }
    }

    fn each(&self, f: &mut dyn FnMut(&[u8]) -> bool) -> bool {
        match *self {
            Text::Str(s) => f(s.as_bytes()),
            Text::Words { head, rest } => {
                if !f(head.as_bytes()) {
                    return false;
                }
                rest.iter().all(|arg| f(b" ") && f(arg.as_bytes()))
            }
            Text::Join { items, sep } => items
                .iter()
                .enumerate()
                .all(|(i, item)| (i == 0 || f(sep.as_bytes())) && f(item.as_bytes())),
            Text::Flags {
                bits,
                table,
                zero_as_number,
            } => {
                let mut any = false;
                for &(mask, value, name) in table.entries {
                    if bits & mask == value {
                        if any && !f(table.sep.as_bytes()) {
                            return false;
                        }
                        any = true;
                        if !f(name.as_bytes()) {
                            return false;
                        }
                    }
                }
                if !any && zero_as_number {
                    return Text::Uint(bits).each(f);
                }
                true
            }
            Text::Int(n) => {
                let mut buf = StackBuf::<24>::new();
                let _ = write!(buf, "{n}");
                f(buf.as_bytes())
            }
            Text::Uint(n) => {
                let mut buf = StackBuf::<24>::new();
                let _ = write!(buf, "{n}");
                f(buf.as_bytes())
            }
            Text::Time(ns, style) => {
                let mut buf = StackBuf::<48>::new();
                let _ = write_time(&mut buf, ns, style);
                f(buf.as_bytes())
            }
            Text::Mounts(mounts) => mounts.iter().enumerate().all(|(i, m)| {
                (i == 0 || f(b","))
                    && f(m.source.as_bytes())
                    && f(b":")
                    && f(m.dest.as_bytes())
                    && f(b":")
                    && f(m.mode.as_bytes())
                    && f(if m.rw { b":true:" } else { b":false:" })
                    && f(m.propagation.as_bytes())
            }),
            Text::EventArgs(event) => {
                let mut first = true;
                let mut go = true;
                crate::fields::for_each_param(event, &mut |name, value| {
                    go = (first || f(b" ")) && f(name.as_bytes()) && f(b"=") && value.each(f);
                    first = false;
                    go
                });
                go
            }
        }
    }
}

/// A value that is already one slice of bytes.
pub(crate) struct Bytes<'a>(pub(crate) &'a [u8]);

impl Source for Bytes<'_> {
    fn contiguous(&self) -> Option<&[u8]> {
        Some(self.0)
    }

    fn each(&self, f: &mut dyn FnMut(&[u8]) -> bool) -> bool {
        f(self.0)
    }
}

/// Bytes mapped through ASCII lower or upper case (`tolower`, `toupper`).
pub(crate) struct CaseMapped<'s> {
    pub(crate) inner: &'s dyn Source,
    pub(crate) upper: bool,
}

impl Source for CaseMapped<'_> {
    fn each(&self, f: &mut dyn FnMut(&[u8]) -> bool) -> bool {
        let mut buf = [0u8; 256];
        self.inner.each(&mut |chunk| {
            chunk.chunks(buf.len()).all(|piece| {
                for (dst, &src) in buf.iter_mut().zip(piece) {
                    *dst = if self.upper {
                        src.to_ascii_uppercase()
                    } else {
                        src.to_ascii_lowercase()
                    };
                }
                f(&buf[..piece.len()])
            })
        })
    }
}

/// The bytes after the last `/` (`basename`).
pub(crate) struct Basename<'s> {
    pub(crate) inner: &'s dyn Source,
}

impl Source for Basename<'_> {
    fn contiguous(&self) -> Option<&[u8]> {
        let whole = self.inner.contiguous()?;
        Some(match memchr::memrchr(b'/', whole) {
            Some(i) => &whole[i + 1..],
            None => whole,
        })
    }

    fn each(&self, f: &mut dyn FnMut(&[u8]) -> bool) -> bool {
        let mut offset = 0;
        let mut start = 0;
        self.inner.each(&mut |chunk| {
            if let Some(i) = memchr::memrchr(b'/', chunk) {
                start = offset + i + 1;
            }
            offset += chunk.len();
            true
        });
        skip_then(self.inner, start, f)
    }
}

/// Streams `inner` without its first `skip` bytes.
fn skip_then(inner: &dyn Source, mut skip: usize, f: &mut dyn FnMut(&[u8]) -> bool) -> bool {
    inner.each(&mut |chunk| {
        if skip >= chunk.len() {
            skip -= chunk.len();
            return true;
        }
        let rest = &chunk[skip..];
        skip = 0;
        f(rest)
    })
}

/// Base64-decoded bytes (`b64`); invalid input decodes to nothing.
pub(crate) struct Base64<'s> {
    pub(crate) inner: &'s dyn Source,
}

fn b64_value(c: u8) -> Option<u32> {
    Some(match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => return None,
    } as u32)
}

impl Base64<'_> {
    fn valid(&self) -> bool {
        let mut len = 0usize;
        let mut padding = 0usize;
        let ok = self.inner.each(&mut |chunk| {
            chunk.iter().all(|&c| {
                len += 1;
                if c == b'=' {
                    padding += 1;
                    padding <= 2
                } else {
                    padding == 0 && b64_value(c).is_some()
                }
            })
        });
        ok && len.is_multiple_of(4)
    }
}

impl Source for Base64<'_> {
    fn each(&self, f: &mut dyn FnMut(&[u8]) -> bool) -> bool {
        if !self.valid() {
            return true;
        }
        let mut acc = 0u32;
        let mut count = 0;
        self.inner.each(&mut |chunk| {
            for &c in chunk {
                let Some(v) = b64_value(c) else {
                    continue;
                };
                acc = acc << 6 | v;
                count += 1;
                if count == 4 {
                    let out = [(acc >> 16) as u8, (acc >> 8) as u8, acc as u8];
                    if !f(&out) {
                        return false;
                    }
                    acc = 0;
                    count = 0;
                }
            }
            true
        }) && match count {
            2 => f(&[(acc >> 4) as u8]),
            3 => f(&[(acc >> 10) as u8, (acc >> 2) as u8]),
            _ => true,
        }
    }
}

pub(crate) fn total_len(s: &dyn Source) -> usize {
    if let Some(b) = s.contiguous() {
        return b.len();
    }
    let mut n = 0;
    s.each(&mut |chunk| {
        n += chunk.len();
        true
    });
    n
}

pub(crate) fn eq(s: &dyn Source, pat: &[u8]) -> bool {
    if let Some(b) = s.contiguous() {
        return b == pat;
    }
    let mut pos = 0;
    s.each(&mut |chunk| {
        let end = pos + chunk.len();
        if end > pat.len() || pat[pos..end] != *chunk {
            pos = usize::MAX;
            return false;
        }
        pos = end;
        true
    }) && pos == pat.len()
}

pub(crate) fn starts_with(s: &dyn Source, pat: &[u8]) -> bool {
    if let Some(b) = s.contiguous() {
        return b.starts_with(pat);
    }
    let mut pos = 0;
    let mut ok = true;
    s.each(&mut |chunk| {
        let want = (pat.len() - pos).min(chunk.len());
        if chunk[..want] != pat[pos..pos + want] {
            ok = false;
            return false;
        }
        pos += want;
        pos < pat.len()
    });
    ok && pos == pat.len()
}

pub(crate) fn ends_with(s: &dyn Source, pat: &[u8]) -> bool {
    if let Some(b) = s.contiguous() {
        return b.ends_with(pat);
    }
    let len = total_len(s);
    if len < pat.len() {
        return false;
    }
    let mut pos = 0;
    let mut ok = true;
    skip_then(s, len - pat.len(), &mut |chunk| {
        if chunk != &pat[pos..pos + chunk.len()] {
            ok = false;
            return false;
        }
        pos += chunk.len();
        true
    });
    ok
}

/// Byte-wise comparison, as `strcmp` orders strings.
pub(crate) fn compare(s: &dyn Source, pat: &[u8]) -> Ordering {
    if let Some(b) = s.contiguous() {
        return b.cmp(pat);
    }
    let mut pos = 0;
    let mut order = Ordering::Equal;
    s.each(&mut |chunk| {
        let avail = &pat[pos.min(pat.len())..];
        let n = chunk.len().min(avail.len());
        order = chunk[..n].cmp(&avail[..n]);
        if order == Ordering::Equal && chunk.len() > avail.len() {
            order = Ordering::Greater;
        }
        pos += chunk.len();
        order == Ordering::Equal
    });
    if order == Ordering::Equal && pos < pat.len() {
        Ordering::Less
    } else {
        order
    }
}

/// A needle for `contains` / `icontains` / `bcontains`.
#[derive(Debug, Clone)]
pub(crate) struct Needle {
    bytes: Box<[u8]>,
    fold: bool,
    finder: memmem::Finder<'static>,
    /// KMP failure function, for values that come in several chunks.
    fail: Box<[usize]>,
}

impl Needle {
    pub(crate) fn new(pattern: &[u8], fold: bool) -> Needle {
        let bytes: Box<[u8]> = if fold {
            pattern.to_ascii_lowercase().into()
        } else {
            pattern.into()
        };
        let mut fail = vec![0usize; bytes.len()];
        let mut k = 0;
        for i in 1..bytes.len() {
            while k > 0 && bytes[i] != bytes[k] {
                k = fail[k - 1];
            }
            if bytes[i] == bytes[k] {
                k += 1;
            }
            fail[i] = k;
        }
        Needle {
            finder: memmem::Finder::new(&bytes).into_owned(),
            bytes,
            fold,
            fail: fail.into(),
        }
    }

    pub(crate) fn found_in_bytes(&self, s: &[u8]) -> bool {
        if self.fold {
            self.found_in(&Bytes(s))
        } else {
            self.finder.find(s).is_some()
        }
    }

    pub(crate) fn found_in(&self, s: &dyn Source) -> bool {
        if self.bytes.is_empty() {
            return true;
        }
        if !self.fold
            && let Some(b) = s.contiguous()
        {
            return self.finder.find(b).is_some();
        }
        let pat = &self.bytes;
        let mut k = 0;
        let mut found = false;
        s.each(&mut |chunk| {
            for &b in chunk {
                let b = if self.fold { b.to_ascii_lowercase() } else { b };
                while k > 0 && pat[k] != b {
                    k = self.fail[k - 1];
                }
                if pat[k] == b {
                    k += 1;
                }
                if k == pat.len() {
                    found = true;
                    return false;
                }
            }
            true
        });
        found
    }
}

/// A whole-value matcher for `glob`, `iglob` and `regex`: a lazy DFA, as RE2 (Falco's
/// engine) builds one. States are built the first time input reaches them, so any
/// pattern compiles quickly and none is refused for the size of its full DFA; the
/// states live in a cache per thread (taken from a pool, kept across evaluations and
/// bounded: a full cache is cleared and refilled), so steady-state matching allocates
/// nothing. Shared (`Arc`) because rules are specialised per event type by cloning.
#[derive(Clone)]
pub(crate) struct Pattern {
    inner: Arc<LazyPattern>,
}

type CacheFn = Box<dyn Fn() -> Cache + Send + Sync + UnwindSafe + RefUnwindSafe>;

struct LazyPattern {
    dfa: DFA,
    caches: Pool<Cache, CacheFn>,
    /// The pattern as written, for `Debug`.
    source: String,
}

impl std::fmt::Debug for Pattern {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Pattern").field(&self.inner.source).finish()
    }
}

/// The compiled NFA size above which a pattern is refused (keeps loading bounded; a
/// counted repetition such as `[a-z]{1000}` stays far below it).
const NFA_SIZE_LIMIT: usize = 4 << 20;

impl Pattern {
    /// `regex`: RE2 syntax, matched against the whole value.
    pub(crate) fn regex(pattern: &str) -> Result<Pattern, String> {
        Pattern::build(pattern, pattern, syntax::Config::new(), true)
    }

    /// `glob` / `iglob`: fnmatch(3) without `FNM_PATHNAME`, so `*` crosses `/`.
    pub(crate) fn glob(pattern: &str, case_insensitive: bool) -> Result<Pattern, String> {
        let config = syntax::Config::new()
            .unicode(false)
            .utf8(false)
            .dot_matches_new_line(true)
            .case_insensitive(case_insensitive);
        Pattern::build(pattern, &glob_to_regex(pattern), config, false)
    }

    fn build(
        source: &str,
        pattern: &str,
        syntax: syntax::Config,
        utf8: bool,
    ) -> Result<Pattern, String> {
        let dfa = DFA::builder()
            .syntax(syntax)
            .thompson(
                thompson::Config::new()
                    .utf8(utf8)
                    .nfa_size_limit(Some(NFA_SIZE_LIMIT)),
            )
            .build(&format!("(?:{pattern})\\z"))
            .map_err(|e| error_chain(&e))?;
        let for_caches = dfa.clone();
        let create: CacheFn = Box::new(move || for_caches.create_cache());
        Ok(Pattern {
            inner: Arc::new(LazyPattern {
                dfa,
                caches: Pool::new(create),
                source: source.to_owned(),
            }),
        })
    }

    pub(crate) fn matches(&self, s: &dyn Source) -> bool {
        let LazyPattern { dfa, caches, .. } = &*self.inner;
        let mut cache = caches.get();
        let cache: &mut Cache = &mut cache;
        // Errors come only from quit bytes and give-up limits, neither configured here.
        let Ok(mut state) = dfa.start_state(cache, &start::Config::new().anchored(Anchored::Yes))
        else {
            return false;
        };
        let alive = s.each(&mut |chunk| {
            for &b in chunk {
                match dfa.next_state(cache, state, b) {
                    Ok(next) if !next.is_dead() => state = next,
                    _ => return false,
                }
            }
            true
        });
        alive
            && dfa
                .next_eoi_state(cache, state)
                .is_ok_and(|end| end.is_match())
    }
}

/// An error with its causes (`error building NFA: ... exceeds size limit ...`).
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(e) = cause {
        text.push_str(": ");
        text.push_str(&e.to_string());
        cause = e.source();
    }
    text
}

/// fnmatch(3) syntax (`*`, `?`, `[...]`, `[!...]`, backslash escapes) as a regex.
fn glob_to_regex(glob: &str) -> String {
    let chars: Vec<char> = glob.chars().collect();
    let mut out = String::with_capacity(glob.len() * 2);
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '*' => out.push_str(".*"),
            '?' => out.push('.'),
            '\\' if i + 1 < chars.len() => {
                i += 1;
                push_literal(&mut out, chars[i]);
            }
            '[' => match bracket(&chars[i + 1..]) {
                Some((class, used)) => {
                    out.push_str(&class);
                    i += used;
                }
                None => push_literal(&mut out, '['),
            },
            c => push_literal(&mut out, c),
        }
        i += 1;
    }
    out
}

fn push_literal(out: &mut String, c: char) {
    if c.is_ascii_punctuation() || c == ' ' {
        out.push('\\');
    }
    out.push(c);
}

/// A bracket expression after its `[`: the regex class and how many chars it used.
fn bracket(chars: &[char]) -> Option<(String, usize)> {
    let mut class = String::from("[");
    let mut i = 0;
    if matches!(chars.first(), Some('!' | '^')) {
        class.push('^');
        i += 1;
    }
    let first = i;
    while i < chars.len() {
        let c = chars[i];
        if c == ']' && i > first {
            class.push(']');
            return Some((class, i + 1));
        }
        if c == '[' && chars.get(i + 1) == Some(&':') {
            let end = chars[i + 2..].windows(2).position(|w| w == [':', ']'])?;
            let name: String = chars[i + 2..i + 2 + end].iter().collect();
            class.push_str(&format!("[:{name}:]"));
            i += end + 4;
            continue;
        }
        let c = if c == '\\' && i + 1 < chars.len() {
            i += 1;
            chars[i]
        } else {
            c
        };
        if c == '-' && i > first && chars.get(i + 1).is_some_and(|&n| n != ']') {
            class.push('-');
        } else if c.is_ascii_punctuation() {
            class.push('\\');
            class.push(c);
        } else {
            class.push(c);
        }
        i += 1;
    }
    None
}

/// A fast hash of a byte string: one multiply per 8 bytes (FxHash's mixing).
fn hash_bytes(bytes: &[u8]) -> u64 {
    const K: u64 = 0x517c_c1b7_2722_0a95;
    let mix = |h: u64, word: u64| (h.rotate_left(5) ^ word).wrapping_mul(K);
    let mut h = bytes.len() as u64;
    let mut words = bytes.chunks_exact(8);
    for word in &mut words {
        let mut w = [0u8; 8];
        w.copy_from_slice(word);
        h = mix(h, u64::from_le_bytes(w));
    }
    let rest = words.remainder();
    if !rest.is_empty() {
        let mut w = [0u8; 8];
        w[..rest.len()].copy_from_slice(rest);
        h = mix(h, u64::from_le_bytes(w));
    }
    h
}

/// A set of strings for `in` / `intersects`: hashes sorted for a binary search, items
/// checked byte for byte, behind a filter on length (most values have a length no
/// item has).
#[derive(Debug, Clone, Default)]
pub(crate) struct StrSet {
    hashes: Vec<u64>,
    /// In the order of `hashes`.
    items: Vec<Box<[u8]>>,
    /// Bit `n` is set when an item is `n` bytes long; bit 63 stands for 63 and longer.
    lengths: u64,
}

fn length_bit(len: usize) -> u64 {
    1 << len.min(63)
}

impl StrSet {
    pub(crate) fn new<'a>(items: impl IntoIterator<Item = &'a [u8]>) -> StrSet {
        let mut entries: Vec<(u64, Box<[u8]>)> = items
            .into_iter()
            .map(|item| (hash_bytes(item), item.into()))
            .collect();
        entries.sort();
        entries.dedup();
        let lengths = entries
            .iter()
            .fold(0, |bits, (_, item)| bits | length_bit(item.len()));
        let (hashes, items) = entries.into_iter().unzip();
        StrSet {
            hashes,
            items,
            lengths,
        }
    }

    pub(crate) fn contains(&self, s: &dyn Source) -> bool {
        if self.lengths & length_bit(total_len(s)) == 0 {
            return false;
        }
        with_contiguous(s, |value| self.contains_bytes(value))
    }

    pub(crate) fn contains_bytes(&self, value: &[u8]) -> bool {
        if self.lengths & length_bit(value.len()) == 0 {
            return false;
        }
        let h = hash_bytes(value);
        let start = self.hashes.partition_point(|&eh| eh < h);
        self.hashes[start..]
            .iter()
            .zip(&self.items[start..])
            .take_while(|&(&eh, _)| eh == h)
            .any(|(_, item)| **item == *value)
    }
}

/// How long a value made of pieces may be for [`with_contiguous`] to copy it on the stack.
const STACK_COPY: usize = 4096;

/// Calls `f` with the value as one slice: borrowed when it is one, else copied into a
/// stack buffer, or (past [`STACK_COPY`] bytes) onto the heap.
pub(crate) fn with_contiguous<R>(s: &dyn Source, f: impl FnOnce(&[u8]) -> R) -> R {
    if let Some(bytes) = s.contiguous() {
        return f(bytes);
    }
    let mut buf = [0u8; STACK_COPY];
    let mut len = 0;
    let fits = s.each(&mut |chunk| {
        let Some(dst) = buf.get_mut(len..len + chunk.len()) else {
            return false;
        };
        dst.copy_from_slice(chunk);
        len += chunk.len();
        true
    });
    if fits {
        f(&buf[..len])
    } else {
        let mut bytes = Vec::new();
        s.each(&mut |chunk| {
            bytes.extend_from_slice(chunk);
            true
        });
        f(&bytes)
    }
}

/// Whether `needle` occurs in `hay` (ASCII case-insensitively with `fold`), without
/// building a searcher: for needles known only at evaluation time (`val()`).
pub(crate) fn find(hay: &[u8], needle: &[u8], fold: bool) -> bool {
    if !fold {
        return memmem::find(hay, needle).is_some();
    }
    needle.is_empty()
        || hay
            .windows(needle.len())
            .any(|w| w.eq_ignore_ascii_case(needle))
}

/// Materialises a value (outputs).
pub(crate) fn to_string(s: &dyn Source) -> String {
    let mut bytes = Vec::new();
    s.each(&mut |chunk| {
        bytes.extend_from_slice(chunk);
        true
    });
    String::from_utf8_lossy(&bytes).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn chunked_values_compare_like_their_concatenation() {
        let rest = args(&["-c", "ls /tmp"]);
        let cmd = Text::Words {
            head: "sh",
            rest: &rest,
        };
        assert_eq!(to_string(&cmd), "sh -c ls /tmp");
        assert!(eq(&cmd, b"sh -c ls /tmp"));
        assert!(!eq(&cmd, b"sh -c ls /tm"));
        assert!(!eq(&cmd, b"sh -c ls /tmpx"));
        assert!(starts_with(&cmd, b"sh -c l"));
        assert!(!starts_with(&cmd, b"sh -x"));
        assert!(ends_with(&cmd, b"ls /tmp"));
        assert!(!ends_with(&cmd, b"xls /tmp"));
        assert!(Needle::new(b"c ls", false).found_in(&cmd));
        assert!(Needle::new(b"C LS", true).found_in(&cmd));
        assert!(!Needle::new(b"cls", false).found_in(&cmd));
        assert_eq!(compare(&cmd, b"sh -c"), Ordering::Greater);
        assert_eq!(compare(&cmd, b"sh -d"), Ordering::Less);
        let set = StrSet::new([&b"sh -c ls /tmp"[..], b"other"]);
        assert!(set.contains(&cmd));
        assert!(!set.contains(&Text::Str("sh -c ls")));
        let long = "x".repeat(100);
        let set = StrSet::new([long.as_bytes(), b""]);
        assert!(set.contains(&Text::Str(&long)) && set.contains(&Text::Str("")));
        assert!(!set.contains(&Text::Str(&long[..70])) && !set.contains(&Text::Str("x")));
    }

    #[test]
    fn globs_follow_fnmatch_without_pathname() {
        let g = |p: &str, s: &str| Pattern::glob(p, false).unwrap().matches(&Text::Str(s));
        assert!(g("*../*../*", "/etc/../etc/../etc/shadow"));
        assert!(!g("*../*../*", "/etc/../etc/shadow"));
        assert!(g("/home/*/.ssh/*", "/home/a/b/.ssh/id"));
        assert!(g("a?c", "abc") && !g("a?c", "ac"));
        assert!(g("[!a]x", "bx") && !g("[!a]x", "ax"));
        assert!(g("[a-c]*", "b.txt") && !g("[a-c]*", "d"));
        assert!(g(r"\*", "*") && !g(r"\*", "x"));
        assert!(g("a[", "a["));
        assert!(g("[[:digit:]]", "7"));
        assert!(
            Pattern::glob("*.TXT", true)
                .unwrap()
                .matches(&Text::Str("a.txt"))
        );
    }

    #[test]
    fn regexes_match_the_whole_value() {
        let r = Pattern::regex("[a-z]+[0-9]").unwrap();
        assert!(r.matches(&Text::Str("abc1")));
        assert!(!r.matches(&Text::Str("abc1x")));
        assert!(!r.matches(&Text::Str("xabc")));
        assert!(Pattern::regex("(").is_err());
        // Patterns whose full DFA is exponential are built lazily, only where input goes.
        let r = Pattern::regex("(a|b)*a(a|b){25}").unwrap();
        let hit = format!("a{}", "b".repeat(25));
        assert!(r.matches(&Text::Str(&hit)));
        assert!(!r.matches(&Text::Str(&hit[1..])));
        let g = Pattern::glob("[a-z]*[a-z]*x?????????????????", false).unwrap();
        assert!(g.matches(&Text::Str("abcx12345678901234567")));
        assert!(!g.matches(&Text::Str("abcx1234567890123456")));
        // A pattern too large to compile is an error that says so.
        let err = Pattern::regex(r"\w{1000}").unwrap_err();
        assert!(err.contains("exceeded limit"), "{err}");
    }

    #[test]
    fn transformers_stream() {
        let s = Text::Str("/usr/BIN/Bash");
        assert_eq!(
            to_string(&CaseMapped {
                inner: &s,
                upper: false
            }),
            "/usr/bin/bash"
        );
        assert_eq!(
            to_string(&CaseMapped {
                inner: &s,
                upper: true
            }),
            "/USR/BIN/BASH"
        );
        assert_eq!(to_string(&Basename { inner: &s }), "Bash");
        let rest = args(&["/a/b", "c/d"]);
        let split = Text::Words {
            head: "x",
            rest: &rest,
        };
        assert_eq!(to_string(&Basename { inner: &split }), "d");
        assert_eq!(
            to_string(&Base64 {
                inner: &Text::Str("aGVsbG8=")
            }),
            "hello"
        );
        assert_eq!(
            to_string(&Base64 {
                inner: &Text::Str("aGk=")
            }),
            "hi"
        );
        assert_eq!(
            to_string(&Base64 {
                inner: &Text::Str("!!")
            }),
            ""
        );
    }

    #[test]
    fn times_render_in_utc() {
        let mut buf = StackBuf::<48>::new();
        write_time(&mut buf, 1_780_000_000_123_456_789, TimeStyle::Iso8601).unwrap();
        assert_eq!(buf.as_bytes(), b"2026-05-28T20:26:40.123456789Z");
    }
}
