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

// ---- two characters: the bigram index gives what a LIKE scan gives ---------------------

/// Characters drawn for random addresses and queries: Chinese, ASCII in both
/// cases, digits and the characters LIKE and FTS treat specially.
const ALPHABET: &[char] = &[
    '人', '民', '路', '建', '设', '号', '栋', '单', '元', 'A', 'a', 'B', 'b', '1', '2', '-', '%',
    '_', '\\', '"',
];

fn text_of(picks: &[usize]) -> String {
    picks
        .iter()
        .map(|&i| ALPHABET[i % ALPHABET.len()])
        .collect()
}

fn address_of(i: usize, text: String) -> gridfield_core::model::Address {
    gridfield_core::model::Address {
        code: format!("prop-{i:04}"),
        grid_code: SCOPE.into(),
        full_text: text,
        street: None,
        number: None,
        building: None,
        unit: None,
        room: None,
        plate_serial: None,
        lat: None,
        lon: None,
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(24))]

    /// Addresses imported, some re-imported with another text (the index follows
    /// updates), then searched by one or two fragments of one or two characters:
    /// the hits are, in import order, exactly the addresses whose text contains
    /// every fragment with ASCII case folded — what `LIKE '%…%'` answers.
    #[test]
    fn short_fragments_find_what_like_finds(
        texts in proptest::collection::vec(proptest::collection::vec(0usize..64, 1..12), 1..40),
        edits in proptest::collection::vec((0usize..40, proptest::collection::vec(0usize..64, 1..12)), 0..10),
        queries in proptest::collection::vec(proptest::collection::vec(proptest::collection::vec(0usize..64, 1..3), 1..3), 1..8),
    ) {
        let f = empty_store(Role::Worker);
        let s = &f.store;
        s.import_grids(&fixture_grids()).unwrap();
        let mut held: Vec<String> = texts.iter().map(|t| text_of(t)).collect();
        let all: Vec<_> = held.iter().enumerate().map(|(i, t)| address_of(i, t.clone())).collect();
        s.import_addresses(&all).unwrap();
        for (i, t) in &edits {
            let i = i % held.len();
            held[i] = text_of(t);
            s.import_addresses(&[address_of(i, held[i].clone())]).unwrap();
        }
        for q in &queries {
            let frags: Vec<String> = q.iter().map(|p| text_of(p)).collect();
            let query = frags.join(" ");
            let want: Vec<String> = held
                .iter()
                .enumerate()
                .filter(|(_, t)| {
                    let t = t.to_ascii_lowercase();
                    frags.iter().all(|f| t.contains(&f.to_ascii_lowercase()))
                })
                .map(|(i, _)| format!("prop-{i:04}"))
                .collect();
            let got: Vec<String> = s
                .search_addresses(&query, 500)
                .unwrap()
                .into_iter()
                .map(|h| h.code)
                .collect();
            proptest::prop_assert_eq!(got, want, "query {:?} over {:?}", query, held);
        }
    }
}
