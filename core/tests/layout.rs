//! The layout rules of issue #13, checked on the sources so they do not erode:
//! the core's concept modules depend on each other without cycles (and never on
//! storage or sync), and no hand-written source file grows past 800 lines.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The domain concepts: pure types and rules, one module (folder) each.
const CONCEPTS: &[&str] = &[
    "address",
    "checklist",
    "grid",
    "hazard",
    "inspection",
    "op",
    "photo",
    "plate",
    "record",
    "refusal",
    "report",
    "role",
    "taxonomy",
];

/// Layers a concept must not reach into: the concepts sit below them.
const LAYERS: &[&str] = &["store", "sync", "clock", "wire"];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The sources of one core module: `src/<name>.rs` or everything in `src/<name>/`.
fn module_sources(name: &str) -> Vec<PathBuf> {
    let src = root().join("core/src");
    let file = src.join(format!("{name}.rs"));
    if file.exists() {
        return vec![file];
    }
    let mut out = Vec::new();
    rust_files(&src.join(name), &mut out);
    out
}

/// `crate::<module>` paths a source names, outside its `#[cfg(test)]` part
/// (tests may reach across, the code may not).
fn crate_refs(text: &str) -> BTreeSet<String> {
    let code = text.split("#[cfg(test)]").next().unwrap_or("");
    let mut refs = BTreeSet::new();
    for (i, _) in code.match_indices("crate::") {
        let rest = &code[i + "crate::".len()..];
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_lowercase() || *c == '_')
            .collect();
        if !name.is_empty() {
            refs.insert(name);
        }
    }
    refs
}

#[test]
fn concept_modules_form_no_cycle_and_sit_below_storage() {
    let mut deps: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    for c in CONCEPTS {
        let files = module_sources(c);
        assert!(!files.is_empty(), "no sources for concept {c}");
        let mut d = BTreeSet::new();
        for f in files {
            let text = std::fs::read_to_string(&f).unwrap();
            for r in crate_refs(&text) {
                assert!(
                    !LAYERS.contains(&r.as_str()),
                    "{}: the concept {c} uses crate::{r}; move the rule into the concept",
                    f.display()
                );
                if r != *c && CONCEPTS.contains(&r.as_str()) {
                    d.insert(r);
                }
            }
        }
        deps.insert(c, d);
    }
    // Depth-first search for a cycle.
    fn visit<'a>(
        n: &'a str,
        deps: &'a BTreeMap<&str, BTreeSet<String>>,
        stack: &mut Vec<&'a str>,
        done: &mut BTreeSet<&'a str>,
    ) {
        if done.contains(n) {
            return;
        }
        if let Some(i) = stack.iter().position(|s| *s == n) {
            panic!("import cycle between concepts: {:?}", &stack[i..]);
        }
        stack.push(n);
        for d in &deps[n] {
            visit(d.as_str(), deps, stack, done);
        }
        stack.pop();
        done.insert(n);
    }
    let mut done = BTreeSet::new();
    for c in CONCEPTS {
        visit(c, &deps, &mut Vec::new(), &mut done);
    }
}

#[test]
fn no_hand_written_source_file_passes_800_lines() {
    let mut files = Vec::new();
    for dir in ["core/src", "sync-server/src", "bindings/src"] {
        rust_files(&root().join(dir), &mut files);
    }
    let mut long = Vec::new();
    for f in files {
        let name = f.file_name().unwrap().to_string_lossy();
        // Unit-test files kept beside their module are tests, not code to read.
        if name == "tests.rs" {
            continue;
        }
        let lines = std::fs::read_to_string(&f).unwrap().lines().count();
        if lines > 800 {
            long.push(format!("{} ({lines})", f.display()));
        }
    }
    assert!(long.is_empty(), "files over 800 lines: {long:?}");
}
