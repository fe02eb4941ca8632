//! The shape of the source tree, checked: the module graph has no cycle,
//! every module says what it owns in a `//!` header, and no function is
//! longer than the limit outside the parsers' grammar dispatch.
//!
//! The module graph is read from the source text: a module refers to
//! another through `use` declarations and paths in its code (`crate::a::b`,
//! `super::x`, `self::x`, a child module's name). Test code (`#[cfg(test)]`
//! to the end of a file, and `tests.rs` files) is left out, as the tools
//! that draw module graphs leave it out by default.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Functions longer than [`MAX_FN_LINES`] that are grammar dispatch: one
/// arm per production of a format, kept together so the grammar reads in
/// one place.
const GRAMMAR_DISPATCH: &[(&str, &str)] = &[
    ("src/format/moodle/other.rs", "php_value"),
    ("src/ip.rs", "parse_ipv6_exact"),
];

/// The longest function allowed (lines, signature to closing brace).
const MAX_FN_LINES: usize = 80;

/// A module: its crate (`lib` or `bin`), its path, its file, and the
/// source text without test code.
struct Module {
    krate: &'static str,
    path: Vec<String>,
    file: PathBuf,
    text: String,
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Every module file under `src/`, with its crate and module path.
fn modules() -> Vec<Module> {
    let mut out = Vec::new();
    walk(&src(), &mut out);
    out.sort_by(|a, b| a.file.cmp(&b.file));
    out
}

fn walk(dir: &Path, out: &mut Vec<Module>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            walk(&p, out);
            continue;
        }
        if p.extension().is_none_or(|x| x != "rs") || p.file_name().unwrap() == "tests.rs" {
            continue;
        }
        let rel = p.strip_prefix(src()).unwrap();
        let mut parts: Vec<String> = rel
            .iter()
            .map(|s| s.to_string_lossy().trim_end_matches(".rs").to_string())
            .collect();
        if parts.last().is_some_and(|l| l == "mod") {
            parts.pop();
        }
        let krate = if parts.first().is_some_and(|f| f == "main" || f == "cli") {
            "bin"
        } else {
            "lib"
        };
        if parts == ["lib"] || parts == ["main"] {
            parts.clear();
        }
        let full = std::fs::read_to_string(&p).unwrap();
        let text = match full.find("#[cfg(test)]") {
            Some(i) => full[..i].to_string(),
            None => full,
        };
        out.push(Module {
            krate,
            path: parts,
            file: p,
            text,
        });
    }
}

/// The code of `text` without comments and string literals (so that paths
/// in documentation and messages are not references).
fn code(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'/' && b.get(i + 1) == Some(&b'/') {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
        } else if b[i] == b'"' {
            i += 1;
            while i < b.len() && b[i] != b'"' {
                i += if b[i] == b'\\' { 2 } else { 1 };
            }
            i += 1;
            out.push_str("\"\"");
        } else if b[i] == b'r' && b.get(i + 1) == Some(&b'#') && b.get(i + 2) == Some(&b'"') {
            let end = text[i + 3..].find("\"#").map_or(b.len(), |p| i + 3 + p + 2);
            i = end;
            out.push_str("\"\"");
        } else if b[i] == b'\'' && b.get(i + 2) == Some(&b'\'') {
            // A char literal like 'x' (lifetimes have no closing quote).
            i += 3;
        } else {
            out.push(b[i] as char);
            i += 1;
        }
    }
    out
}

/// The paths of a `use` tree, expanded: `a::{b, c::d}` → `a::b`, `a::c::d`.
fn expand_use(tree: &str, prefix: &str, out: &mut Vec<String>) {
    let tree = tree.trim();
    if let Some(open) = tree.find('{') {
        let head = tree[..open].trim().trim_end_matches("::");
        let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
        let base = join(prefix, head);
        let mut depth = 0;
        let mut start = 0;
        for (k, c) in inner.char_indices() {
            match c {
                '{' => depth += 1,
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    expand_use(&inner[start..k], &base, out);
                    start = k + 1;
                }
                _ => {}
            }
        }
        expand_use(&inner[start..], &base, out);
    } else if !tree.is_empty() {
        let item = tree.split(" as ").next().unwrap().trim();
        out.push(join(prefix, item));
    }
}

fn join(a: &str, b: &str) -> String {
    match (a.is_empty(), b.is_empty()) {
        (true, _) => b.to_string(),
        (_, true) => a.to_string(),
        _ => format!("{a}::{b}"),
    }
}

/// The paths a module's code refers to, as written.
fn references(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    // `use` declarations, which may span lines.
    let mut rest = code;
    while let Some(p) = rest.find("use ") {
        let before = rest[..p].chars().last();
        let tail = &rest[p + 4..];
        let end = tail.find(';').unwrap_or(tail.len());
        if before.is_none_or(|c| !c.is_alphanumeric() && c != '_') {
            expand_use(&tail[..end], "", &mut out);
        }
        rest = &tail[end.min(tail.len())..];
    }
    // Paths in code: `a::b::c`.
    let b = code.as_bytes();
    let is_ident = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    let mut i = 0;
    while i < b.len() {
        if is_ident(b[i]) && (i == 0 || !(is_ident(b[i - 1]) || b[i - 1] == b':')) {
            let start = i;
            let mut j = i;
            loop {
                while j < b.len() && is_ident(b[j]) {
                    j += 1;
                }
                if code[j..].starts_with("::") && b.get(j + 2).is_some_and(|&c| is_ident(c)) {
                    j += 2;
                } else {
                    break;
                }
            }
            if code[start..j].contains("::") {
                out.push(code[start..j].to_string());
            }
            i = j.max(i + 1);
        } else {
            i += 1;
        }
    }
    out
}

/// The module a path written in module `from` of `krate` names, if it names
/// one (the longest prefix that is a module).
fn resolve(
    from: &[String],
    krate: &str,
    path: &str,
    mods: &BTreeSet<(String, Vec<String>)>,
) -> Option<(String, Vec<String>)> {
    let segs: Vec<&str> = path.split("::").collect();
    let (target_crate, mut base, rest): (&str, Vec<String>, &[&str]) = match segs[0] {
        "crate" => (krate, Vec::new(), &segs[1..]),
        "anonlog" if krate == "bin" => ("lib", Vec::new(), &segs[1..]),
        "self" => (krate, from.to_vec(), &segs[1..]),
        "super" => {
            let mut b = from.to_vec();
            let mut k = 0;
            while segs.get(k) == Some(&"super") {
                b.pop();
                k += 1;
            }
            (krate, b, &segs[k..])
        }
        first => {
            // A child module of `from`, named without a prefix.
            let mut child = from.to_vec();
            child.push(first.to_string());
            if !mods.contains(&(krate.to_string(), child)) {
                return None;
            }
            (krate, from.to_vec(), &segs[..])
        }
    };
    let mut found = None;
    if !base.is_empty() || segs[0] == "crate" || segs[0] == "anonlog" {
        found = Some(base.clone());
    }
    for s in rest {
        base.push(s.to_string());
        if mods.contains(&(target_crate.to_string(), base.clone())) {
            found = Some(base.clone());
        } else {
            break;
        }
    }
    found.map(|f| (target_crate.to_string(), f))
}

type Node = (String, Vec<String>);

fn graph(mods: &[Module]) -> BTreeMap<Node, BTreeSet<Node>> {
    let names: BTreeSet<Node> = mods
        .iter()
        .map(|m| (m.krate.to_string(), m.path.clone()))
        .collect();
    let mut g: BTreeMap<Node, BTreeSet<Node>> = BTreeMap::new();
    for m in mods {
        let me = (m.krate.to_string(), m.path.clone());
        let edges = g.entry(me.clone()).or_default();
        for r in references(&code(&m.text)) {
            if let Some(to) = resolve(&m.path, m.krate, &r, &names) {
                if to != me {
                    edges.insert(to);
                }
            }
        }
    }
    g
}

fn show(n: &Node) -> String {
    let p = n.1.join("::");
    if p.is_empty() {
        format!("{} root", n.0)
    } else {
        p
    }
}

/// Strongly connected components with more than one module (Tarjan).
fn cycles(g: &BTreeMap<Node, BTreeSet<Node>>) -> Vec<Vec<String>> {
    struct T<'a> {
        g: &'a BTreeMap<Node, BTreeSet<Node>>,
        index: BTreeMap<&'a Node, usize>,
        low: BTreeMap<&'a Node, usize>,
        stack: Vec<&'a Node>,
        on: BTreeSet<&'a Node>,
        next: usize,
        out: Vec<Vec<String>>,
    }
    fn visit<'a>(t: &mut T<'a>, v: &'a Node) {
        t.index.insert(v, t.next);
        t.low.insert(v, t.next);
        t.next += 1;
        t.stack.push(v);
        t.on.insert(v);
        let g = t.g;
        for w in g.get(v).into_iter().flatten() {
            let Some((w, _)) = g.get_key_value(w) else {
                continue;
            };
            if !t.index.contains_key(w) {
                visit(t, w);
                let lw = t.low[w];
                let lv = t.low.get_mut(v).unwrap();
                *lv = (*lv).min(lw);
            } else if t.on.contains(w) {
                let iw = t.index[w];
                let lv = t.low.get_mut(v).unwrap();
                *lv = (*lv).min(iw);
            }
        }
        if t.low[v] == t.index[v] {
            let mut comp = Vec::new();
            loop {
                let w = t.stack.pop().unwrap();
                t.on.remove(w);
                comp.push(show(w));
                if w == v {
                    break;
                }
            }
            if comp.len() > 1 {
                comp.sort();
                t.out.push(comp);
            }
        }
    }
    let mut t = T {
        g,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on: BTreeSet::new(),
        next: 0,
        out: Vec::new(),
    };
    for v in g.keys() {
        if !t.index.contains_key(v) {
            visit(&mut t, v);
        }
    }
    t.out
}

#[test]
fn the_module_graph_has_no_cycle() {
    let mods = modules();
    assert!(mods.len() > 40, "found only {} modules", mods.len());
    let g = graph(&mods);
    // The reader sees real edges, not nothing.
    let edge = |a: &str, b: &str| {
        let key = |s: &str| -> Node {
            let parts: Vec<String> = s.split("::").map(str::to_string).collect();
            ("lib".to_string(), parts)
        };
        g[&key(a)].contains(&key(b))
    };
    assert!(edge("rewrite::text", "rewrite::replace"));
    assert!(edge("pipeline", "input"));
    assert!(!edge("rewrite::replace", "rewrite::text"));
    assert_eq!(cycles(&g), Vec::<Vec<String>>::new());
}

#[test]
fn a_cycle_is_found_when_there_is_one() {
    let m = |path: &str, text: &str| Module {
        krate: "lib",
        path: path.split("::").map(str::to_string).collect(),
        file: PathBuf::new(),
        text: text.to_string(),
    };
    let mods = [
        m("a", "use crate::b::{self, X};"),
        m("b", "fn f() { super::a::g() }"),
        m("c", "// use crate::a;\nconst S: &str = \"crate::a::x\";"),
    ];
    let g = graph(&mods);
    assert_eq!(cycles(&g), vec![vec!["a".to_string(), "b".to_string()]]);
}

#[test]
fn every_module_says_what_it_owns() {
    for m in modules() {
        let full = std::fs::read_to_string(&m.file).unwrap();
        assert!(
            full.starts_with("//!"),
            "{}: no //! header saying what the module owns",
            m.file.display()
        );
    }
}

#[test]
fn no_function_is_longer_than_the_limit() {
    let mut long = Vec::new();
    for m in modules() {
        let rel = m
            .file
            .strip_prefix(Path::new(env!("CARGO_MANIFEST_DIR")))
            .unwrap()
            .to_string_lossy()
            .to_string();
        let lines: Vec<&str> = m.text.lines().collect();
        for (i, l) in lines.iter().enumerate() {
            let t = l.trim_start();
            let indent = &l[..l.len() - t.len()];
            let decl = [
                "pub fn ",
                "fn ",
                "pub(crate) fn ",
                "pub(super) fn ",
                "const fn ",
            ]
            .iter()
            .find_map(|p| t.strip_prefix(p));
            let Some(rest) = decl else { continue };
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if l.trim_end().ends_with(';') {
                continue;
            }
            let close = format!("{indent}}}");
            let end = (i..lines.len())
                .find(|&j| lines[j] == close || (j == i && l.trim_end().ends_with('}')))
                .unwrap_or(i);
            let n = end - i + 1;
            let exempt = GRAMMAR_DISPATCH.contains(&(rel.as_str(), name.as_str()));
            if n > MAX_FN_LINES && !exempt {
                long.push(format!("{rel}:{}: fn {name} has {n} lines", i + 1));
            }
        }
    }
    assert_eq!(long, Vec::<String>::new());
}
