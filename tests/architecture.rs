//! The map holds: every `use crate::…` (and `super::…`, and every `crate::…` path) in `src/`
//! runs in a direction ARCHITECTURE.md's room table allows, no two files import each other
//! (nor any longer circle of files), and every room in `src/` is on the map.
//!
//! A file's room is the first part of its module path (`src/store/note.rs` is in `store`);
//! an item re-exported at the crate root (`crate::Notebook`) is in the room that defines it.
//! A module's own descendants and its tests are not imports.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use regex::Regex;

/// Module path (`["store", "note"]`) → source file.
type Modules = BTreeMap<Vec<String>, PathBuf>;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

/// Every module of the library crate, by walking `src/` (the binaries in `src/bin` and
/// `src/main.rs` are adapters outside the map's core rooms, except `cli`, which is one).
fn modules() -> Modules {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let src = root().join("src");
    let mut files = Vec::new();
    walk(&src, &mut files);
    let mut modules = Modules::new();
    for file in files {
        let rel = file.strip_prefix(&src).unwrap().with_extension("");
        let parts: Vec<String> = rel.iter().map(|p| p.to_string_lossy().into_owned()).collect();
        if parts[0] == "bin" || parts == ["main"] {
            continue;
        }
        let path = if parts == ["lib"] { Vec::new() } else { parts };
        modules.insert(path, file);
    }
    modules
}

/// The source without comments and without its `#[cfg(test)]` module (tests may reach anywhere).
fn code_of(file: &Path) -> String {
    let text = std::fs::read_to_string(file).unwrap();
    let test_module = ["#[cfg(test)]\nmod ", "#[cfg(test)]\npub(crate) mod "].iter().filter_map(|m| text.find(m)).min();
    let text = &text[..test_module.unwrap_or(text.len())];
    let comment = Regex::new(r"(?m)//.*$").unwrap();
    comment.replace_all(text, "").into_owned()
}

/// The crate root's re-exports: `Notebook` → `notebook`.
fn root_reexports(modules: &Modules) -> BTreeMap<String, String> {
    let lib = std::fs::read_to_string(&modules[&Vec::new()]).unwrap();
    let group = Regex::new(r"pub use (\w+)::\{([^}]*)\}").unwrap();
    let single = Regex::new(r"pub use (\w+)::(\w+);").unwrap();
    let mut out = BTreeMap::new();
    for c in group.captures_iter(&lib) {
        for name in c[2].split(',').map(str::trim).filter(|n| !n.is_empty()) {
            out.insert(name.to_owned(), c[1].to_owned());
        }
    }
    for c in single.captures_iter(&lib) {
        out.insert(c[2].to_owned(), c[1].to_owned());
    }
    out
}

/// The module a path names: the longest prefix of it that is a module.
fn resolve(modules: &Modules, reexports: &BTreeMap<String, String>, mut path: Vec<String>) -> Option<Vec<String>> {
    if let Some(room) = path.first().and_then(|first| reexports.get(first)) {
        path[0] = room.clone();
    }
    (1..=path.len()).rev().map(|n| path[..n].to_vec()).find(|prefix| modules.contains_key(prefix))
}

/// `a::{b, c::{d, e}}` → `[a::b, a::c::d, a::c::e]` (a `self` names `a` itself).
fn expand(prefix: &[String], tree: &str) -> Vec<Vec<String>> {
    let tree = tree.trim();
    let Some(inner) = tree.strip_prefix('{').and_then(|t| t.strip_suffix('}')) else {
        let mut path = prefix.to_vec();
        path.extend(tree.split("::").map(|p| p.split_whitespace().next().unwrap_or("").to_owned()));
        path.retain(|p| !p.is_empty() && p != "self" && p != "*");
        return vec![path];
    };
    let (mut parts, mut depth, mut start) = (Vec::new(), 0, 0);
    for (i, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&inner[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&inner[start..]);
    let mut out = Vec::new();
    for part in parts.into_iter().map(str::trim).filter(|p| !p.is_empty()) {
        match part.find("::{") {
            Some(at) => {
                let mut deeper = prefix.to_vec();
                deeper.extend(part[..at].split("::").map(str::to_owned));
                out.extend(expand(&deeper, &part[at + 2..]));
            }
            None => out.extend(expand(prefix, part)),
        }
    }
    out
}

/// Every module each module imports (itself, its ancestors' re-exports of it and its own
/// descendants aside).
fn imports(modules: &Modules) -> BTreeMap<Vec<String>, BTreeSet<Vec<String>>> {
    let reexports = root_reexports(modules);
    let use_tree = Regex::new(r"(?s)\buse\s+(crate|super(?:::super)*)::(\{.*?\}|[\w:]+(?:::\{.*?\})?)\s*;").unwrap();
    let inline = Regex::new(r"\b(crate|super(?:::super)*)((?:::\w+)+)").unwrap();
    let mut graph = BTreeMap::new();
    for (module, file) in modules {
        let code = code_of(file);
        let mut named: Vec<Vec<String>> = Vec::new();
        let base = |anchor: &str| -> Vec<String> {
            if anchor == "crate" {
                return Vec::new();
            }
            let ups = anchor.matches("super").count();
            module[..module.len().saturating_sub(ups)].to_vec()
        };
        for c in use_tree.captures_iter(&code) {
            named.extend(expand(&base(&c[1]), &c[2].replace('\n', " ")));
        }
        for c in inline.captures_iter(&code) {
            let mut path = base(&c[1]);
            path.extend(c[2].split("::").filter(|p| !p.is_empty()).map(str::to_owned));
            named.push(path);
        }
        let targets: BTreeSet<Vec<String>> = named
            .into_iter()
            .filter_map(|path| resolve(modules, &reexports, path))
            .filter(|target| target != module && !target.starts_with(module))
            .collect();
        graph.insert(module.clone(), targets);
    }
    graph
}

fn room(module: &[String]) -> String {
    module.first().cloned().unwrap_or_else(|| "lib".to_owned())
}

/// ARCHITECTURE.md's table of rooms: room → the rooms it may import.
fn allowed() -> BTreeMap<String, BTreeSet<String>> {
    let map = std::fs::read_to_string(root().join("ARCHITECTURE.md")).unwrap();
    let row = Regex::new(r"(?m)^\| `(\w+)` \|[^|\n]*\| ([^|\n]*) \|$").unwrap();
    let name = Regex::new(r"`(\w+)`").unwrap();
    row.captures_iter(&map)
        .map(|c| (c[1].to_owned(), name.captures_iter(&c[2]).map(|n| n[1].to_owned()).collect()))
        .collect()
}

/// Imports that run against the table, as `from → to (file)`.
fn wrong_way(
    graph: &BTreeMap<Vec<String>, BTreeSet<Vec<String>>>,
    allowed: &BTreeMap<String, BTreeSet<String>>,
) -> Vec<String> {
    let mut wrong = Vec::new();
    for (from, targets) in graph {
        let from_room = room(from);
        for to in targets {
            let to_room = room(to);
            if from_room != to_room && !allowed.get(&from_room).is_some_and(|ok| ok.contains(&to_room)) {
                wrong.push(format!("{from_room} → {to_room} ({} imports {})", from.join("::"), to.join("::")));
            }
        }
    }
    wrong
}

/// The circles among files: each strongly connected set of more than one file.
fn circles(graph: &BTreeMap<Vec<String>, BTreeSet<Vec<String>>>) -> Vec<Vec<String>> {
    // Tarjan's algorithm, iteratively small: the graph has a few hundred nodes.
    struct State<'a> {
        graph: &'a BTreeMap<Vec<String>, BTreeSet<Vec<String>>>,
        index: BTreeMap<&'a [String], usize>,
        low: BTreeMap<&'a [String], usize>,
        stack: Vec<&'a [String]>,
        next: usize,
        found: Vec<Vec<String>>,
    }
    fn visit<'a>(s: &mut State<'a>, v: &'a [String]) {
        s.index.insert(v, s.next);
        s.low.insert(v, s.next);
        s.next += 1;
        s.stack.push(v);
        for w in s.graph.get(v).into_iter().flatten() {
            let w = w.as_slice();
            if !s.index.contains_key(w) {
                visit(s, w);
                let low = s.low[v].min(s.low[w]);
                s.low.insert(v, low);
            } else if s.stack.contains(&w) {
                let low = s.low[v].min(s.index[w]);
                s.low.insert(v, low);
            }
        }
        if s.low[v] == s.index[v] {
            let mut component = Vec::new();
            while let Some(w) = s.stack.pop() {
                component.push(w.join("::"));
                if w == v {
                    break;
                }
            }
            if component.len() > 1 {
                component.sort();
                s.found.push(component);
            }
        }
    }
    let mut state =
        State { graph, index: BTreeMap::new(), low: BTreeMap::new(), stack: Vec::new(), next: 0, found: Vec::new() };
    for v in graph.keys() {
        if !state.index.contains_key(v.as_slice()) {
            visit(&mut state, v);
        }
    }
    state.found
}

#[test]
fn every_import_runs_the_way_the_map_allows() {
    let graph = imports(&modules());
    let wrong = wrong_way(&graph, &allowed());
    assert!(wrong.is_empty(), "imports against ARCHITECTURE.md's room table:\n  {}", wrong.join("\n  "));
}

#[test]
fn no_files_import_each_other() {
    let found = circles(&imports(&modules()));
    assert!(found.is_empty(), "files that import each other, directly or around a circle: {found:?}");
}

#[test]
fn every_room_is_on_the_map_and_the_map_has_no_circle() {
    let allowed = allowed();
    let rooms: BTreeSet<String> = modules().keys().map(|m| room(m)).collect();
    let missing: Vec<&String> = rooms.iter().filter(|r| !allowed.contains_key(*r)).collect();
    assert!(missing.is_empty(), "rooms not in ARCHITECTURE.md's table: {missing:?}");
    for (from, targets) in &allowed {
        for to in targets {
            assert!(allowed.contains_key(to), "{from} may import {to}, which is not a room of the table");
        }
    }
    let graph: BTreeMap<Vec<String>, BTreeSet<Vec<String>>> =
        allowed.iter().map(|(from, to)| (vec![from.clone()], to.iter().map(|t| vec![t.clone()]).collect())).collect();
    assert!(circles(&graph).is_empty(), "the table's directions run in a circle: {:?}", circles(&graph));
}

#[test]
fn the_reader_sees_what_it_must() {
    let modules = modules();
    let graph = imports(&modules);
    let of = |m: &str| graph[&m.split("::").map(str::to_owned).collect::<Vec<_>>()].clone();
    let has =
        |set: &BTreeSet<Vec<String>>, m: &str| set.contains(&m.split("::").map(str::to_owned).collect::<Vec<_>>());
    // `use crate::{Notebook, Result}` in a group at the root, a re-export, a nested group.
    assert!(has(&of("backup"), "notebook"), "{:?}", of("backup"));
    assert!(has(&of("backup"), "error"));
    assert!(has(&of("store::note"), "rules::follow_up"), "{:?}", of("store::note"));
    // `super::…` from a child names its parent's other children.
    assert!(has(&of("store::edit"), "store::history"), "{:?}", of("store::edit"));
    // A circle is found whatever its length.
    let ring = |names: &[&str]| -> BTreeMap<Vec<String>, BTreeSet<Vec<String>>> {
        (0..names.len())
            .map(|i| (vec![names[i].to_owned()], [vec![names[(i + 1) % names.len()].to_owned()]].into()))
            .collect()
    };
    assert_eq!(circles(&ring(&["a", "b", "c"])), [vec!["a".to_owned(), "b".into(), "c".into()]]);
    assert!(circles(&ring(&["a", "b"])).len() == 1);
    // An import against the table is named with its files.
    let allowed: BTreeMap<String, BTreeSet<String>> = [("store".to_owned(), ["vocab".to_owned()].into())].into();
    let graph = [(vec!["store".to_owned(), "note".to_owned()], [vec!["agenda".to_owned()]].into())].into();
    assert_eq!(wrong_way(&graph, &allowed), ["store → agenda (store::note imports agenda)"]);
}
