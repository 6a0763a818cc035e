//! Collapsed stacks: `root;caller;callee count`, one line per distinct stack.
//!
//! It is the format inferno, flamegraph.pl, speedscope and most other flamegraph tools read, so
//! `perflab flame` writes it beside every SVG: users can re-render, diff or load the profile
//! elsewhere. Both sources fold into it: pprof samples (count = samples) and puffin scopes
//! (count = self time in nanoseconds).

use crate::ProfileError;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

/// Stacks and their counts, sorted by stack (the order inferno wants).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Folded {
    stacks: BTreeMap<String, u64>,
}

impl Folded {
    /// No stacks.
    pub fn new() -> Self {
        Folded::default()
    }

    /// Adds `count` to the stack `frames` (root first). Frames are cleaned so the line stays
    /// parseable: `;` inside a name becomes `:`, line breaks become spaces. Zero counts and
    /// empty stacks are dropped.
    pub fn add<'a>(&mut self, frames: impl IntoIterator<Item = &'a str>, count: u64) {
        if count == 0 {
            return;
        }
        let mut line = String::new();
        for f in frames {
            if !line.is_empty() {
                line.push(';');
            }
            line.extend(f.chars().map(|c| match c {
                ';' => ':',
                '\n' | '\r' => ' ',
                c => c,
            }));
        }
        if !line.is_empty() {
            *self.stacks.entry(line).or_insert(0) += count;
        }
    }

    /// Adds a stack already joined by `;`.
    pub fn add_line(&mut self, stack: &str, count: u64) {
        if count > 0 && !stack.is_empty() {
            *self.stacks.entry(stack.to_owned()).or_insert(0) += count;
        }
    }

    /// Whether there is no stack.
    pub fn is_empty(&self) -> bool {
        self.stacks.is_empty()
    }

    /// The sum of all counts: total samples, or total nanoseconds.
    pub fn total(&self) -> u64 {
        self.stacks.values().sum()
    }

    /// `(stack, count)`, sorted by stack.
    pub fn stacks(&self) -> impl Iterator<Item = (&str, u64)> {
        self.stacks.iter().map(|(s, &c)| (s.as_str(), c))
    }

    /// The lines `stack count`, as inferno reads them.
    pub fn lines(&self) -> Vec<String> {
        self.stacks
            .iter()
            .map(|(s, c)| format!("{s} {c}"))
            .collect()
    }

    /// The text of a `.folded` file.
    pub fn to_text(&self) -> String {
        let mut text = String::new();
        for (s, c) in &self.stacks {
            let _ = writeln!(text, "{s} {c}");
        }
        text
    }

    /// Parses the text of a `.folded` file (blank lines ignored). `path` is only for messages.
    ///
    /// # Errors
    /// A line without a trailing count.
    pub fn parse(text: &str, path: &Path) -> Result<Folded, ProfileError> {
        let mut folded = Folded::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim_end();
            if line.is_empty() {
                continue;
            }
            let parsed = line
                .rsplit_once(' ')
                .and_then(|(stack, n)| Some((stack.trim_end(), n.parse::<u64>().ok()?)));
            match parsed {
                Some((stack, n)) if !stack.is_empty() => folded.add_line(stack, n),
                _ => {
                    return Err(ProfileError::BadFolded {
                        path: path.to_owned(),
                        line: i + 1,
                        text: line.chars().take(80).collect(),
                    });
                }
            }
        }
        Ok(folded)
    }

    /// Reads a `.folded` file.
    ///
    /// # Errors
    /// An unreadable file or a malformed line, naming the file.
    pub fn read(path: &Path) -> Result<Folded, ProfileError> {
        let text = std::fs::read_to_string(path).map_err(|e| ProfileError::io("read", path, e))?;
        Folded::parse(&text, path)
    }

    /// Writes the `.folded` file, creating its directory.
    ///
    /// # Errors
    /// An unwritable path, naming it.
    pub fn write(&self, path: &Path) -> Result<(), ProfileError> {
        crate::render::create_parent(path)?;
        std::fs::write(path, self.to_text()).map_err(|e| ProfileError::io("write", path, e))
    }

    /// The `n` frames with the most *self* count (the leaf of each stack, with its caller when
    /// it is named without a path), with their counts, most first: where the time is spent, as
    /// the summary `perflab flame` prints.
    pub fn top_self(&self, n: usize) -> Vec<(String, u64)> {
        let mut top: Vec<(String, u64)> = self
            .self_by_frame()
            .into_iter()
            .map(|(f, c)| (f.to_owned(), c))
            .collect();
        top.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        top.truncate(n);
        top
    }
}

/// The frame a stack's self count belongs to: its leaf, or — when the leaf is named without a
/// path — the chain from its nearest caller that is not a closure (`walk_block;add`,
/// `fold;{closure#0}`), since such a name alone does not say whose it is. The root (the cell)
/// is never a caller.
fn self_frame(stack: &str) -> &str {
    let frames: Vec<(usize, &str)> = frame_starts(stack);
    let Some(&(leaf_at, leaf)) = frames.last() else {
        return stack;
    };
    if has_path(leaf) {
        return leaf;
    }
    let caller = frames[1.min(frames.len() - 1)..frames.len() - 1]
        .iter()
        .rev()
        .find(|(_, name)| !outside_generics(name).starts_with('{'));
    match caller {
        Some(&(at, _)) => &stack[at..],
        None => &stack[leaf_at..],
    }
}

/// A frame's name short enough for a sentence: generic arguments dropped and the last two path
/// segments kept (`hashbrown::map::HashMap<K,V,S>::insert` → `HashMap::insert`); a trait
/// method `<T as Trait>::f` is named by its type (`Naive::run`); a `caller;leaf` frame (see
/// [`self_changes`]) as `caller › leaf`.
pub fn short_name(frame: &str) -> String {
    // `caller;leaf` (an inlined leaf named without a path, kept with its caller).
    if frame.contains(';') {
        return frame
            .split(';')
            .map(short_name)
            .collect::<Vec<_>>()
            .join(" › ");
    }
    let (ty, rest) = match frame.strip_prefix('<').and_then(split_qualified) {
        Some((ty, rest)) => (ty, rest),
        None => (frame, ""),
    };
    let ty = ty.split(" as ").next().unwrap_or(ty);
    let mut segments: Vec<String> = outside_generics(ty)
        .split("::")
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    segments.extend(
        outside_generics(rest)
            .split("::")
            .filter(|s| !s.is_empty())
            .map(str::to_owned),
    );
    let n = segments.len();
    match n {
        0 => frame.to_owned(),
        1 => segments.remove(0),
        _ => segments[n - 2..].join("::"),
    }
}

/// `T as Trait>::f` (after the opening `<`) → (`T as Trait`, `::f`), at the matching `>`.
fn split_qualified(s: &str) -> Option<(&str, &str)> {
    let mut depth = 1i32;
    for (i, c) in s.char_indices() {
        match c {
            '<' => depth += 1,
            '>' => {
                depth -= 1;
                if depth == 0 {
                    return Some((&s[..i], &s[i + 1..]));
                }
            }
            _ => {}
        }
    }
    None
}

/// `(byte offset, frame)` of each frame of a stack, root first.
fn frame_starts(stack: &str) -> Vec<(usize, &str)> {
    let mut at = 0;
    stack
        .split(';')
        .map(|f| {
            let start = at;
            at += f.len() + 1;
            (start, f)
        })
        .collect()
}

/// Whether a frame's name, outside its generic arguments, has a module path (`a::f`,
/// `<T as Tr>::f`), unlike an inlined function's bare debug-info name (`add`, `{closure#0}`).
fn has_path(name: &str) -> bool {
    outside_generics(name).contains("::") || name.starts_with('<')
}

/// The text of `name` outside `<…>`.
fn outside_generics(name: &str) -> String {
    let mut depth = 0u32;
    name.chars()
        .filter(|&c| match c {
            '<' => {
                depth += 1;
                false
            }
            '>' if depth > 0 => {
                depth -= 1;
                false
            }
            _ => depth == 0,
        })
        .collect()
}

/// How one frame's share of the self time differs between two profiles of the same work (say
/// naive and the fastest variant of one workload): what [`self_changes`] returns.
#[derive(Clone, Debug, PartialEq)]
pub struct SelfChange {
    /// The frame (a stack's leaf), e.g. `alloc::string::String::to_lowercase`.
    pub frame: String,
    /// Its share of the base profile's self time, 0–1 (0: absent there).
    pub base_share: f64,
    /// Its share of the head profile's self time, 0–1 (0: absent there).
    pub head_share: f64,
}

impl Folded {
    /// The stacks with their root frame `from` renamed to `to` (other stacks unchanged): two
    /// variants' profiles are rooted at their own cell (`wordfreq/naive`, `wordfreq/simd`), and
    /// must share a root before a differential flamegraph can line their frames up.
    pub fn rerooted(&self, from: &str, to: &str) -> Folded {
        let mut out = Folded::new();
        for (stack, &count) in &self.stacks {
            match stack.split_once(';') {
                Some((root, rest)) if root == from => out.add_line(&format!("{to};{rest}"), count),
                None if stack == from => out.add_line(to, count),
                _ => out.add_line(stack, count),
            }
        }
        out
    }

    /// Self counts by frame (the leaf of each stack), summed over stacks. A leaf named without
    /// a path is an inlined function as its debug info names it (`add`, `{closure#0}`): it is
    /// kept with its caller (`walk_block;add`), which says whose it is.
    fn self_by_frame(&self) -> BTreeMap<&str, u64> {
        let mut by_leaf: BTreeMap<&str, u64> = BTreeMap::new();
        for (stack, &count) in &self.stacks {
            *by_leaf.entry(self_frame(stack)).or_insert(0) += count;
        }
        by_leaf
    }
}

/// Every frame's share of the self time in `base` and in `head`, for the frames present in
/// either: each profile normalised by its own total, so a profile that ran longer (more
/// samples) is not "grown" everywhere. Sorted by frame name; the caller ranks them (by share,
/// or by time once each share is multiplied by its cell's measured time per iteration).
pub fn self_changes(base: &Folded, head: &Folded) -> Vec<SelfChange> {
    let (b, h) = (base.self_by_frame(), head.self_by_frame());
    let share = |n: u64, total: u64| {
        if total == 0 {
            0.0
        } else {
            n as f64 / total as f64
        }
    };
    let (bt, ht) = (base.total(), head.total());
    let mut frames: Vec<&str> = b.keys().chain(h.keys()).copied().collect();
    frames.sort_unstable();
    frames.dedup();
    frames
        .into_iter()
        .map(|f| SelfChange {
            frame: f.to_owned(),
            base_share: share(b.get(f).copied().unwrap_or(0), bt),
            head_share: share(h.get(f).copied().unwrap_or(0), ht),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_round_trip_and_counts_add_up() {
        let mut f = Folded::new();
        f.add(["main", "run;x", "leaf a"], 3);
        f.add(["main", "run;x", "leaf a"], 2);
        f.add(["main", "other"], 4);
        f.add(["main", "zero"], 0);
        assert_eq!(f.total(), 9);
        let text = f.to_text();
        assert_eq!(text, "main;other 4\nmain;run:x;leaf a 5\n");
        let back = Folded::parse(&text, Path::new("x.folded")).unwrap();
        assert_eq!(back, f);
        assert_eq!(
            f.top_self(1),
            vec![("run:x;leaf a".to_owned(), 5)],
            "self time is the leaf's, named with its caller when it has no path"
        );
        assert_eq!(self_frame("root;a::f;g"), "a::f;g");
        assert_eq!(self_frame("root;a::f;b::g"), "b::g");
        assert_eq!(self_frame("root;g"), "g");
        assert_eq!(self_frame("root"), "root");
        assert_eq!(
            self_frame("root;fold<a::B>;{closure#0}<x::Y>;{closure#0}<&u8, a::b::{closure_env#0}>"),
            "fold<a::B>;{closure#0}<x::Y>;{closure#0}<&u8, a::b::{closure_env#0}>",
            "a path inside generic arguments is not the frame's own"
        );
        let err = Folded::parse("a;b 1\nno-count\n", Path::new("x.folded")).unwrap_err();
        assert!(err.to_string().contains("x.folded:2"), "{err}");
    }

    #[test]
    fn frames_are_shortened_to_what_a_reader_recognises() {
        assert_eq!(
            short_name("hashbrown::map::HashMap<K,V,S,A>::insert"),
            "HashMap::insert"
        );
        assert_eq!(
            short_name(
                "<perflab_text::wordfreq::naive::Naive as perflab_core::Kernel<perflab_text::wordfreq::Wordfreq>>::run"
            ),
            "Naive::run"
        );
        assert_eq!(short_name("memchr"), "memchr");
        assert_eq!(
            short_name("count_words<a::Avx2Mask>;walk_block;add"),
            "count_words › walk_block › add"
        );
        assert_eq!(short_name("[outside the kernel]"), "[outside the kernel]");
    }

    #[test]
    fn changes_are_shares_of_each_profiles_own_total() {
        let mut naive = Folded::new();
        naive.add(["w/naive", "lower"], 60);
        naive.add(["w/naive", "hash"], 40);
        let mut simd = Folded::new();
        simd.add(["w/simd", "scan"], 5);
        simd.add(["w/simd", "hash"], 5);
        let changes = self_changes(&naive, &simd);
        let get = |f: &str| changes.iter().find(|c| c.frame == f).unwrap();
        assert_eq!(
            (get("lower").base_share, get("lower").head_share),
            (0.6, 0.0)
        );
        assert_eq!((get("hash").base_share, get("hash").head_share), (0.4, 0.5));
        assert_eq!((get("scan").base_share, get("scan").head_share), (0.0, 0.5));
        let rerooted = simd.rerooted("w/simd", "w");
        assert_eq!(rerooted.to_text(), "w;hash 5\nw;scan 5\n");
        assert_eq!(rerooted.total(), simd.total());
    }
}
