//! Address search by whatever a person types, query syntax taken as text.

use std::collections::BTreeSet;

use gridfield_core::Store;
use gridfield_core::model::Role;

use super::common::*;

pub(crate) fn hit_codes(s: &Store, q: &str) -> BTreeSet<String> {
    s.search_addresses(q, 50)
        .unwrap_or_else(|e| panic!("search {q:?} failed: {e}"))
        .into_iter()
        .map(|h| h.code)
        .collect()
}

pub(crate) fn set(codes: &[&str]) -> BTreeSet<String> {
    codes.iter().map(|c| c.to_string()).collect()
}

#[test]
fn search_finds_what_a_person_types() {
    let f = fixture_store(Role::Worker);
    let s = &f.store;

    // Trigram path (>= 3 characters).
    assert_eq!(hit_codes(s, "建设路12号"), set(&[A501, A502, A101]));
    assert_eq!(hit_codes(s, "3栋2单元"), set(&[A501, A502]));
    assert_eq!(hit_codes(s, "KS-2026-000126"), set(&[A14]));
    // Trigram matching is case-insensitive for ASCII.
    assert_eq!(hit_codes(s, "ks-2026-000127"), set(&[SHOP]));
    // Short fragment: LIKE path.
    assert_eq!(hit_codes(s, "便民"), set(&[SHOP]));
    // Mixed: every fragment must match; "12" must not pull in 14号.
    assert_eq!(hit_codes(s, "建设路 12"), set(&[A501, A502, A101]));
    assert_eq!(hit_codes(s, "  建设路   14号  "), set(&[A14]));
    assert_eq!(hit_codes(s, "建设路 便民"), set(&[]));

    // A hit carries what the list row shows.
    let hit = s.search_addresses("KS-2026-000123", 10).unwrap();
    assert_eq!(hit.len(), 1);
    assert_eq!(hit[0].full_text, full_text_of(A501));
    assert_eq!(hit[0].plate_serial.as_deref(), Some("KS-2026-000123"));
    assert_eq!(hit[0].grid_code, SCOPE);

    // The limit is honoured.
    assert_eq!(s.search_addresses("建设路", 2).unwrap().len(), 2);
    assert_eq!(
        s.search_addresses("建设路", 0).unwrap().len(),
        1,
        "limit is clamped to at least 1"
    );

    // Empty queries find nothing (rather than everything).
    assert!(s.search_addresses("", 10).unwrap().is_empty());
    assert!(s.search_addresses("   \t ", 10).unwrap().is_empty());
}

#[test]
fn search_treats_query_syntax_as_plain_text() {
    let f = fixture_store(Role::Worker);
    let s = &f.store;
    // FTS5 and LIKE syntax must never error and never act as wildcards.
    for q in [
        "\"",
        "\"\"",
        "%",
        "%%",
        "_",
        "__",
        "\\",
        "建设\"路",
        "\"建设路\"",
        "建设路\"",
        "12%",
        "%12",
        "1_",
        "a\"b\"c",
        "NEAR(建设路 12)",
        "建设路*",
        "建设路 OR 人民路",
        "AND",
        "(",
        ")",
        "'",
        "';--",
        "*",
        "^建设",
        "-",
    ] {
        let hits = s
            .search_addresses(q, 50)
            .unwrap_or_else(|e| panic!("search {q:?} errored: {e}"));
        // None of these characters occur in the fixture addresses except inside
        // the plain words; wildcards must not match everything.
        assert!(
            hits.len() < 6,
            "query {q:?} matched {} rows, a wildcard leaked",
            hits.len()
        );
    }
    assert!(hit_codes(s, "%").is_empty());
    assert!(hit_codes(s, "_").is_empty());
    assert!(hit_codes(s, "12%").is_empty());
    // An "OR" between words is just another fragment that must match, not FTS syntax.
    assert!(hit_codes(s, "建设路 OR 人民路").is_empty());
}
