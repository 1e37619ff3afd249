//! Policy ids as INTERCEPT normalises them.

/// Upper-cases letters and digits, turns whitespace and `_` into `-`, keeps `-`, and
/// drops every other character: `"scan_001 private keys!"` becomes
/// `"SCAN-001-PRIVATE-KEYS"`.
pub fn normalize_id(id: &str) -> String {
    let mut normalized = String::with_capacity(id.len());
    for c in id.chars() {
        if c.is_whitespace() || c == '_' {
            normalized.push('-');
        } else if c.is_alphanumeric() || c == '-' {
            normalized.extend(c.to_uppercase());
        }
    }
    normalized
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_like_intercept() {
        assert_eq!(normalize_id("RUNTIM-001"), "RUNTIM-001");
        assert_eq!(normalize_id("runtim-001"), "RUNTIM-001");
        assert_eq!(
            normalize_id("SCAN-001 Private Keys"),
            "SCAN-001-PRIVATE-KEYS"
        );
        assert_eq!(normalize_id("my_policy.v2 (beta)!"), "MY-POLICYV2-BETA");
        assert_eq!(normalize_id("über\tcheck"), "ÜBER-CHECK");
        assert_eq!(normalize_id("?!"), "");
    }
}
