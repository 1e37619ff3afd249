//! fatih/color's wrapping, which goss uses for pass (green), fail (red) and skip
//! (yellow). The escape codes wrap the whole formatted text, trailing newline included.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Color {
    Green,
    Red,
    Yellow,
}

impl Color {
    fn code(self) -> &'static str {
        match self {
            Color::Green => "32",
            Color::Red => "31",
            Color::Yellow => "33",
        }
    }
}

/// `text` in `color` when colouring is on, unchanged otherwise.
pub(crate) fn paint(color: Color, text: &str, enabled: bool) -> String {
    if enabled {
        format!("\x1b[{}m{text}\x1b[0m", color.code())
    } else {
        text.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_like_fatih_color() {
        assert_eq!(
            paint(Color::Green, "Count: 1\n", true),
            "\x1b[32mCount: 1\n\x1b[0m"
        );
        assert_eq!(paint(Color::Red, "F", false), "F");
    }
}
