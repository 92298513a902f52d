//! The PostgreSQL schema as migrations leave it: every grid path compares
//! byte-wise (COLLATE "C"), so a scope range ('/a/b/' up to '/a/b/~') selects
//! exactly a subtree whatever the cluster's locale. (The test clusters run in
//! C.UTF-8, where a missing COLLATE would go unnoticed by the scenarios.)

use gridfield_tests::*;

#[test]
fn every_grid_path_column_is_byte_ordered_postgres() {
    let (store, _server) = seeded_server(Backend::Postgres);
    let columns = store.query_lines(
        "SELECT json_build_object('table', table_name, 'column', column_name,
                'collation', collation_name)::text
           FROM information_schema.columns
          WHERE table_schema = 'public' AND data_type = 'text'
            AND (column_name = 'path' OR column_name LIKE '%grid_path')
          ORDER BY table_name, column_name",
    );
    assert!(
        columns.iter().any(|c| c.contains("record_photos")),
        "{columns:?}"
    );
    for c in &columns {
        assert!(c.contains(r#""collation" : "C""#), "{c}");
    }
}
