//! The order goss's encoders write map keys in.
//!
//! goss keeps resources and matcher values in Go maps, which `yaml.v3` writes
//! in its "natural" order (runs of digits compare as numbers, so `tcp:80` <
//! `tcp:9999` < `tcp6:80`, and other characters sort before letters) and
//! `encoding/json` writes in byte order.

use std::cmp::Ordering;

use warden_value::{Node, NodeKind};

/// `yaml.v3`'s `keyList.Less` for string keys, as an ordering.
pub(crate) fn yaml_key_order(a: &str, b: &str) -> Ordering {
    if yaml_key_less(a, b) {
        Ordering::Less
    } else if yaml_key_less(b, a) {
        Ordering::Greater
    } else {
        Ordering::Equal
    }
}

fn yaml_key_less(a: &str, b: &str) -> bool {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let is_digit = |c: char| c.is_ascii_digit();
    let mut after_digit = false;
    for (i, (&ac, &bc)) in a.iter().zip(&b).enumerate() {
        if ac == bc {
            after_digit = is_digit(ac);
            continue;
        }
        let (a_letter, b_letter) = (ac.is_alphabetic(), bc.is_alphabetic());
        if a_letter && b_letter {
            return ac < bc;
        }
        if a_letter || b_letter {
            // Right after a digit a letter sorts first; elsewhere it sorts last.
            return if after_digit { a_letter } else { b_letter };
        }
        // Compare the digit runs starting here as numbers. A run of leading
        // zeros after a non-zero digit is part of a larger number, not padding.
        let (mut a_number, mut b_number) = (0_i64, 0_i64);
        if (ac == '0' || bc == '0')
            && a[..i]
                .iter()
                .rev()
                .take_while(|&&c| is_digit(c))
                .any(|&c| c != '0')
        {
            a_number = 1;
            b_number = 1;
        }
        let a_run = a[i..].iter().take_while(|&&c| is_digit(c)).count();
        let b_run = b[i..].iter().take_while(|&&c| is_digit(c)).count();
        let value = |digits: &[char], start: i64| {
            digits.iter().fold(start, |n, &c| {
                n.wrapping_mul(10)
                    .wrapping_add(i64::from(u32::from(c) - u32::from('0')))
            })
        };
        a_number = value(&a[i..i + a_run], a_number);
        b_number = value(&b[i..i + b_run], b_number);
        if a_number != b_number {
            return a_number < b_number;
        }
        if a_run != b_run {
            return a_run < b_run;
        }
        return ac < bc;
    }
    a.len() < b.len()
}

/// Sorts the entries of every map in `node`, at any depth, with `order`: the
/// Go maps inside attribute values and `meta` are written sorted.
pub(crate) fn sort_maps(node: &mut Node, order: fn(&str, &str) -> Ordering) {
    match &mut node.kind {
        NodeKind::Map(entries) => {
            entries.sort_by(|a, b| order(&a.key, &b.key));
            for entry in entries {
                sort_maps(&mut entry.value, order);
            }
        }
        NodeKind::List(items) => {
            for item in items {
                sort_maps(item, order);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sorted(keys: &[&str]) -> Vec<String> {
        let mut keys: Vec<String> = keys.iter().map(|k| (*k).to_owned()).collect();
        keys.sort_by(|a, b| yaml_key_order(a, b));
        keys
    }

    #[test]
    fn digit_runs_compare_as_numbers() {
        assert_eq!(
            sorted(&["tcp6:80", "tcp:9999", "tcp:80"]),
            ["tcp:80", "tcp:9999", "tcp6:80"]
        );
        assert_eq!(sorted(&["a10", "a9", "a1"]), ["a1", "a9", "a10"]);
    }

    #[test]
    fn letters_sort_after_other_characters() {
        assert_eq!(
            sorted(&["foobar", "echo 'hi'", "TXT:x", "ip6.x", "CAA:x"]),
            ["CAA:x", "TXT:x", "echo 'hi'", "foobar", "ip6.x"]
        );
        assert_eq!(sorted(&["ab", "a-b", "a"]), ["a", "a-b", "ab"]);
        assert_eq!(sorted(&["1-", "1a"]), ["1a", "1-"]);
    }

    #[test]
    fn zero_padding_and_prefixes() {
        assert_eq!(sorted(&["a01", "a1", "a001"]), ["a1", "a01", "a001"]);
        assert_eq!(sorted(&["abc", "ab"]), ["ab", "abc"]);
        assert_eq!(yaml_key_order("same", "same"), Ordering::Equal);
    }
}
