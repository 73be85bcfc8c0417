//! The domain's modules depend on each other one way only: no cycle between any two (such as
//! `decide` and the rules, or the case rules and the key-date rules), so each rule can be read,
//! tested and moved on its own.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// `crate::a::b` → the module it names at file granularity (`a::b` if `a/b.rs` exists, else `a`).
fn target(src: &Path, path: &str) -> String {
    let parts: Vec<&str> = path.split("::").collect();
    let mut best = parts[0].to_owned();
    for n in 2..=parts.len() {
        let candidate = parts[..n].join("/");
        if src.join(format!("{candidate}.rs")).exists() || src.join(&candidate).join("mod.rs").exists() {
            best = parts[..n].join("::");
        }
    }
    best
}

fn module_of(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).expect("under src").with_extension("");
    let mut parts: Vec<String> = rel.iter().map(|p| p.to_string_lossy().into_owned()).collect();
    if parts.last().map(String::as_str) == Some("mod") {
        parts.pop();
    }
    parts.join("::")
}

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("dir") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Each module of the crate and the modules it names through `crate::`.
fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut all = Vec::new();
    files(&src, &mut all);
    let mut graph = BTreeMap::new();
    for file in &all {
        let module = module_of(&src, file);
        // The crate root re-exports everything; test modules may use anything.
        if module == "lib" || module.split("::").any(|p| p == "tests") {
            continue;
        }
        let source = std::fs::read_to_string(file).expect("source");
        let before_tests = source.split("#[cfg(test)]").next().unwrap_or_default();
        // Code only: a doc link to another module is not a dependency on it.
        let code: String = before_tests
            .lines()
            .map(|l| if l.trim_start().starts_with("//") { "" } else { l })
            .collect::<Vec<_>>()
            .join("\n");
        let mut deps = BTreeSet::new();
        for (i, _) in code.match_indices("crate::") {
            let rest = &code[i + "crate::".len()..];
            let path: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':').collect();
            let mut paths = vec![path.trim_end_matches(':').to_owned()];
            // `crate::rules::{case, documents}` names each of the group.
            if path.ends_with("::") && rest[path.len()..].starts_with('{') {
                let group = rest[path.len() + 1..].split('}').next().unwrap_or_default();
                paths = group.split(',').map(|item| format!("{path}{}", item.trim())).collect();
            }
            for path in paths {
                let dep = target(&src, path.trim_end_matches(':'));
                // A module may use its own children and the names its parent declares.
                if dep != module && !dep.starts_with(&format!("{module}::")) && !module.starts_with(&format!("{dep}::"))
                {
                    deps.insert(dep);
                }
            }
        }
        graph.insert(module, deps);
    }
    graph
}

/// The first cycle found, as a path that returns to its start.
fn cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if done.contains(node) {
            return None;
        }
        if let Some(at) = path.iter().position(|p| p == node) {
            let mut found = path[at..].to_vec();
            found.push(node.to_owned());
            return Some(found);
        }
        path.push(node.to_owned());
        for dep in graph.get(node).into_iter().flatten() {
            if let Some(c) = visit(dep, graph, path, done) {
                return Some(c);
            }
        }
        path.pop();
        done.insert(node.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    graph.keys().find_map(|node| visit(node, graph, &mut Vec::new(), &mut done))
}

#[test]
fn domain_modules_form_no_cycle() {
    let graph = graph();
    assert!(graph.contains_key("decide") && graph.contains_key("rules::case"), "{graph:#?}");
    assert!(graph["decide"].contains("rules::case"), "the graph sees dependencies: {graph:#?}");
    if let Some(c) = cycle(&graph) {
        panic!("module cycle: {}", c.join(" -> "));
    }
}

#[test]
fn the_cycle_finder_finds_cycles() {
    let mut g: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    g.insert("a".into(), ["b".to_owned()].into());
    g.insert("b".into(), ["c".to_owned()].into());
    g.insert("c".into(), BTreeSet::new());
    assert_eq!(cycle(&g), None);
    g.get_mut("c").unwrap().insert("a".into());
    assert_eq!(cycle(&g), Some(vec!["a".into(), "b".into(), "c".into(), "a".into()]));
}
