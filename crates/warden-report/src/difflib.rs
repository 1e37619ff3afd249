//! pmezard/go-difflib's unified diff (a port of Python's difflib), which goss prints
//! under "diff" when a failed check compares two strings.

use std::collections::{HashMap, HashSet};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tag {
    Equal,
    Replace,
    Delete,
    Insert,
}

#[derive(Debug, Clone, Copy)]
struct OpCode {
    tag: Tag,
    i1: usize,
    i2: usize,
    j1: usize,
    j2: usize,
}

#[derive(Debug, Clone, Copy)]
struct Match {
    a: usize,
    b: usize,
    size: usize,
}

/// difflib's `SplitLines`: lines keep their `\n`, and the last one gets one too.
fn split_lines(s: &str) -> Vec<String> {
    let mut lines: Vec<String> = s.split_inclusive('\n').map(str::to_owned).collect();
    if s.is_empty() || s.ends_with('\n') {
        lines.push(String::new());
    }
    if let Some(last) = lines.last_mut() {
        last.push('\n');
    }
    lines
}

struct SequenceMatcher<'a> {
    a: &'a [String],
    b: &'a [String],
    b2j: HashMap<&'a str, Vec<usize>>,
}

impl<'a> SequenceMatcher<'a> {
    fn new(a: &'a [String], b: &'a [String]) -> Self {
        let mut b2j: HashMap<&str, Vec<usize>> = HashMap::new();
        for (i, line) in b.iter().enumerate() {
            b2j.entry(line.as_str()).or_default().push(i);
        }
        // autojunk: in long sequences, lines making up over 1% of b are not anchors.
        if b.len() >= 200 {
            let ntest = b.len() / 100 + 1;
            let popular: HashSet<&str> = b2j
                .iter()
                .filter(|(_, v)| v.len() > ntest)
                .map(|(k, _)| *k)
                .collect();
            b2j.retain(|k, _| !popular.contains(k));
        }
        SequenceMatcher { a, b, b2j }
    }

    fn find_longest_match(&self, alo: usize, ahi: usize, blo: usize, bhi: usize) -> Match {
        let (mut besti, mut bestj, mut bestsize) = (alo, blo, 0usize);
        let mut j2len: HashMap<usize, usize> = HashMap::new();
        for i in alo..ahi {
            let mut new_j2len = HashMap::new();
            if let Some(indices) = self.b2j.get(self.a[i].as_str()) {
                for &j in indices {
                    if j < blo {
                        continue;
                    }
                    if j >= bhi {
                        break;
                    }
                    let k = j
                        .checked_sub(1)
                        .and_then(|p| j2len.get(&p))
                        .copied()
                        .unwrap_or(0)
                        + 1;
                    new_j2len.insert(j, k);
                    if k > bestsize {
                        besti = i + 1 - k;
                        bestj = j + 1 - k;
                        bestsize = k;
                    }
                }
            }
            j2len = new_j2len;
        }
        // No junk function is set, so only the non-junk extension applies.
        while besti > alo && bestj > blo && self.a[besti - 1] == self.b[bestj - 1] {
            besti -= 1;
            bestj -= 1;
            bestsize += 1;
        }
        while besti + bestsize < ahi
            && bestj + bestsize < bhi
            && self.a[besti + bestsize] == self.b[bestj + bestsize]
        {
            bestsize += 1;
        }
        Match {
            a: besti,
            b: bestj,
            size: bestsize,
        }
    }

    fn matching_blocks(&self) -> Vec<Match> {
        let mut matched = Vec::new();
        let mut queue = vec![(0, self.a.len(), 0, self.b.len())];
        // Python recurses left then right; an explicit stack in that order keeps the
        // blocks sorted once collected.
        while let Some((alo, ahi, blo, bhi)) = queue.pop() {
            let m = self.find_longest_match(alo, ahi, blo, bhi);
            if m.size > 0 {
                matched.push(m);
                if m.a + m.size < ahi && m.b + m.size < bhi {
                    queue.push((m.a + m.size, ahi, m.b + m.size, bhi));
                }
                if alo < m.a && blo < m.b {
                    queue.push((alo, m.a, blo, m.b));
                }
            }
        }
        matched.sort_by_key(|m| (m.a, m.b));
        let mut blocks = Vec::new();
        let (mut i1, mut j1, mut k1) = (0, 0, 0);
        for m in matched {
            if i1 + k1 == m.a && j1 + k1 == m.b {
                k1 += m.size;
            } else {
                if k1 > 0 {
                    blocks.push(Match {
                        a: i1,
                        b: j1,
                        size: k1,
                    });
                }
                (i1, j1, k1) = (m.a, m.b, m.size);
            }
        }
        if k1 > 0 {
            blocks.push(Match {
                a: i1,
                b: j1,
                size: k1,
            });
        }
        blocks.push(Match {
            a: self.a.len(),
            b: self.b.len(),
            size: 0,
        });
        blocks
    }

    fn opcodes(&self) -> Vec<OpCode> {
        let (mut i, mut j) = (0, 0);
        let mut codes = Vec::new();
        for m in self.matching_blocks() {
            let tag = match (i < m.a, j < m.b) {
                (true, true) => Some(Tag::Replace),
                (true, false) => Some(Tag::Delete),
                (false, true) => Some(Tag::Insert),
                (false, false) => None,
            };
            if let Some(tag) = tag {
                codes.push(OpCode {
                    tag,
                    i1: i,
                    i2: m.a,
                    j1: j,
                    j2: m.b,
                });
            }
            (i, j) = (m.a + m.size, m.b + m.size);
            if m.size > 0 {
                codes.push(OpCode {
                    tag: Tag::Equal,
                    i1: m.a,
                    i2: i,
                    j1: m.b,
                    j2: j,
                });
            }
        }
        codes
    }

    fn grouped_opcodes(&self, n: usize) -> Vec<Vec<OpCode>> {
        let mut codes = self.opcodes();
        if codes.is_empty() {
            codes.push(OpCode {
                tag: Tag::Equal,
                i1: 0,
                i2: 1,
                j1: 0,
                j2: 1,
            });
        }
        if let Some(c) = codes.first_mut().filter(|c| c.tag == Tag::Equal) {
            c.i1 = c.i1.max(c.i2.saturating_sub(n));
            c.j1 = c.j1.max(c.j2.saturating_sub(n));
        }
        if let Some(c) = codes.last_mut().filter(|c| c.tag == Tag::Equal) {
            c.i2 = c.i2.min(c.i1 + n);
            c.j2 = c.j2.min(c.j1 + n);
        }
        let nn = n + n;
        let mut groups = Vec::new();
        let mut group = Vec::new();
        for c in codes {
            let (mut i1, mut j1) = (c.i1, c.j1);
            if c.tag == Tag::Equal && c.i2 - c.i1 > nn {
                group.push(OpCode {
                    tag: c.tag,
                    i1,
                    i2: c.i2.min(i1 + n),
                    j1,
                    j2: c.j2.min(j1 + n),
                });
                groups.push(std::mem::take(&mut group));
                i1 = i1.max(c.i2.saturating_sub(n));
                j1 = j1.max(c.j2.saturating_sub(n));
            }
            group.push(OpCode {
                tag: c.tag,
                i1,
                i2: c.i2,
                j1,
                j2: c.j2,
            });
        }
        if !(group.is_empty() || group.len() == 1 && group[0].tag == Tag::Equal) {
            groups.push(group);
        }
        groups
    }
}

fn format_range(start: usize, stop: usize) -> String {
    let beginning = start + 1;
    match stop - start {
        1 => beginning.to_string(),
        0 => format!("{},0", beginning - 1),
        length => format!("{beginning},{length}"),
    }
}

/// The unified diff goss prints: `from` is the expectation ("test"), `to` the actual
/// value, one line of context; empty when the two are equal.
pub(crate) fn unified_diff(from: &str, to: &str) -> String {
    let a = split_lines(from);
    let b = split_lines(to);
    let matcher = SequenceMatcher::new(&a, &b);
    let mut out = String::new();
    for (index, group) in matcher.grouped_opcodes(1).iter().enumerate() {
        if index == 0 {
            out.push_str("--- test\n+++ actual\n");
        }
        let (Some(first), Some(last)) = (group.first(), group.last()) else {
            continue;
        };
        out.push_str(&format!(
            "@@ -{} +{} @@\n",
            format_range(first.i1, last.i2),
            format_range(first.j1, last.j2)
        ));
        for c in group {
            if c.tag == Tag::Equal {
                for line in &a[c.i1..c.i2] {
                    out.push(' ');
                    out.push_str(line);
                }
                continue;
            }
            if matches!(c.tag, Tag::Replace | Tag::Delete) {
                for line in &a[c.i1..c.i2] {
                    out.push('-');
                    out.push_str(line);
                }
            }
            if matches!(c.tag, Tag::Replace | Tag::Insert) {
                for line in &b[c.j1..c.j2] {
                    out.push('+');
                    out.push_str(line);
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_line() {
        assert_eq!(
            unified_diff("x", "foo"),
            "--- test\n+++ actual\n@@ -1 +1 @@\n-x\n+foo\n"
        );
    }

    #[test]
    fn trailing_newline_is_a_line_of_context() {
        assert_eq!(
            unified_diff("this is a test9\n", "this is a test1\n"),
            "--- test\n+++ actual\n@@ -1,2 +1,2 @@\n-this is a test9\n+this is a test1\n \n"
        );
    }

    #[test]
    fn one_line_of_context_around_changes() {
        assert_eq!(
            unified_diff("a\nb\nc\nd\ne\nf\n", "a\nb\nX\nd\ne\nf\n"),
            "--- test\n+++ actual\n@@ -2,3 +2,3 @@\n b\n-c\n+X\n d\n"
        );
    }

    #[test]
    fn equal_inputs_have_no_diff() {
        assert_eq!(unified_diff("same\n", "same\n"), "");
    }

    #[test]
    fn split_lines_matches_go() {
        assert_eq!(split_lines("a\nb"), vec!["a\n", "b\n"]);
        assert_eq!(split_lines("a\n"), vec!["a\n", "\n"]);
        assert_eq!(split_lines(""), vec!["\n"]);
    }
}
