//! Passage excerpts, for every renderer of the CLI (the terminal report, the HTML report,
//! the query's text output): a shared passage cut out of its document with some context
//! around it, long passages shortened in the middle, and a passage on one line.
//!
//! All cuts are made on character boundaries (std's `floor_char_boundary` and
//! `ceil_char_boundary`): a context window measured in bytes widens to the nearest boundary
//! outside it, and a middle cut keeps whole characters on each side. The renderers decide
//! how the pieces look (escaping, colour, marks, ellipses).

/// A passage `text[begin..end]` with up to `context` bytes of its text on each side.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Excerpt<'t> {
    /// The context before the passage (from a character boundary).
    pub before: &'t str,
    /// The passage itself.
    pub shared: &'t str,
    /// The context after the passage (to a character boundary).
    pub after: &'t str,
    /// Whether text before `before` was left out.
    pub cut_before: bool,
    /// Whether text after `after` was left out.
    pub cut_after: bool,
}

impl<'t> Excerpt<'t> {
    /// The passage `text[begin..end]` (on character boundaries) with its context.
    pub fn new(text: &'t str, begin: usize, end: usize, context: usize) -> Excerpt<'t> {
        let from = text.floor_char_boundary(begin.saturating_sub(context));
        let to = text.ceil_char_boundary(end.saturating_add(context).min(text.len()));
        Excerpt {
            before: &text[from..begin],
            shared: &text[begin..end],
            after: &text[end..to],
            cut_before: from > 0,
            cut_after: to < text.len(),
        }
    }
}

/// The first and last `keep` bytes of `s` (widened to whole characters), or `None` when
/// `s` is no longer than `2 * keep` bytes and is shown whole.
pub fn head_and_tail(s: &str, keep: usize) -> Option<(&str, &str)> {
    if s.len() <= 2 * keep {
        return None;
    }
    let head = s.floor_char_boundary(keep);
    let tail = s.ceil_char_boundary(s.len() - keep);
    Some((&s[..head], &s[tail..]))
}

/// `s` on one line (runs of whitespace become one space); longer than `max` characters,
/// its first and last `max / 2` characters around ` … `.
pub fn one_line(s: &str, max: usize) -> String {
    let line: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.chars().count() <= max {
        return line;
    }
    let head: String = line.chars().take(max / 2).collect();
    let tail: String = line
        .chars()
        .rev()
        .take(max / 2)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    format!("{head} … {tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_context_widens_to_character_boundaries() {
        let text = "ééé shared ééé";
        let begin = text.find("shared").unwrap();
        let end = begin + "shared".len();
        // 2 bytes before `shared` is inside the last `é`: the window starts before it
        let e = Excerpt::new(text, begin, end, 2);
        assert_eq!((e.before, e.shared, e.after), ("é ", "shared", " é"));
        assert!(e.cut_before && e.cut_after);
        let whole = Excerpt::new(text, begin, end, 100);
        assert_eq!((whole.before, whole.after), ("ééé ", " ééé"));
        assert!(!whole.cut_before && !whole.cut_after);
    }

    #[test]
    fn long_passages_keep_whole_characters_at_both_ends() {
        assert_eq!(head_and_tail("abcdef", 3), None);
        assert_eq!(head_and_tail("abcdefg", 3), Some(("abc", "efg")));
        // bytes 2 and 6 are inside the two `é`s: the head stops before the first, the
        // tail starts after the second (keeping fewer bytes, not split characters)
        assert_eq!(head_and_tail("aébcéd", 2), Some(("a", "d")));
    }

    #[test]
    fn one_line_collapses_whitespace_and_cuts_the_middle() {
        assert_eq!(one_line(" a\n b\t\tc ", 10), "a b c");
        assert_eq!(one_line("ééééé ééééé", 4), "éé … éé");
    }
}
