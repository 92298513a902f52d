//! Grid boundaries (网格边界): each grid's polygon, imported by an administrator as a
//! GeoJSON FeatureCollection (one feature per grid, `properties.grid` naming its
//! code) and checked whole before anything is written: all features or none. The
//! map of a console user's scope reads them by grid path; the demo district and the
//! generated city get theirs from [`tile`], a deterministic subdivision.

use std::collections::HashMap;

use gridfield_core::grid::{Grid, GridScope};
use serde_json::{Value, json};

use super::{Result, now_ms};
use crate::db::{RowExt, SqlValue, Tx};
use crate::messages::Msg;

/// Positions one feature may have, rings together: a hand-drawn grid has tens to
/// hundreds; thousands mean a survey trace that the console would draw slowly.
pub const MAX_VERTICES: usize = 5_000;
/// Features in one file (a county-level city has about 1,600 grids).
pub const MAX_FEATURES: usize = 20_000;

/// A polygon's bounding box in degrees.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BBox {
    pub min_lat: f64,
    pub min_lon: f64,
    pub max_lat: f64,
    pub max_lon: f64,
}

/// One valid feature: the grid it bounds, its geometry (Polygon or MultiPolygon)
/// and the geometry's bounding box.
#[derive(Debug, Clone, PartialEq)]
pub struct Boundary {
    pub grid: String,
    pub geometry: Value,
    pub bbox: BBox,
}

/// A bad feature (numbered from 1 as it appears in the file; 0 for the file as a
/// whole) and why, in the catalog's words.
#[derive(Debug, Clone, PartialEq)]
pub struct FeatureError {
    pub feature: usize,
    pub msg: Msg,
}

fn bad(feature: usize, msg: Msg) -> FeatureError {
    FeatureError { feature, msg }
}

/// Check a file's shape (no storage): every valid feature, or every bad one.
pub fn parse(text: &str) -> std::result::Result<Vec<Boundary>, Vec<FeatureError>> {
    let doc: Value = serde_json::from_str(text).map_err(|_| vec![bad(0, Msg::BoundaryNotJson)])?;
    if doc.get("type").and_then(Value::as_str) != Some("FeatureCollection") {
        return Err(vec![bad(0, Msg::BoundaryNotFeatureCollection)]);
    }
    let features = match doc.get("features").and_then(Value::as_array) {
        Some(f) if !f.is_empty() => f,
        _ => return Err(vec![bad(0, Msg::BoundaryNoFeatures)]),
    };
    if features.len() > MAX_FEATURES {
        return Err(vec![bad(
            0,
            Msg::BoundaryTooManyFeatures { max: MAX_FEATURES },
        )]);
    }
    let mut good = Vec::new();
    let mut errors = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (i, f) in features.iter().enumerate() {
        let n = i + 1;
        match feature(f) {
            Ok(b) => {
                if let Some(&first) = seen.get(&b.grid) {
                    errors.push(bad(n, Msg::BoundaryDuplicateGrid { first }));
                } else {
                    seen.insert(b.grid.clone(), n);
                    good.push(b);
                }
            }
            Err(msg) => errors.push(bad(n, msg)),
        }
    }
    if errors.is_empty() {
        Ok(good)
    } else {
        Err(errors)
    }
}

fn feature(f: &Value) -> std::result::Result<Boundary, Msg> {
    if f.get("type").and_then(Value::as_str) != Some("Feature") {
        return Err(Msg::BoundaryNotFeature);
    }
    let grid = f
        .get("properties")
        .and_then(|p| p.get("grid"))
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|g| !g.is_empty())
        .ok_or(Msg::BoundaryNoGrid)?;
    let geometry = f.get("geometry").ok_or(Msg::BoundaryGeometryType)?;
    let coords = geometry
        .get("coordinates")
        .ok_or(Msg::BoundaryGeometryType)?;
    let polygons: Vec<&Value> = match geometry.get("type").and_then(Value::as_str) {
        Some("Polygon") => vec![coords],
        Some("MultiPolygon") => coords
            .as_array()
            .filter(|p| !p.is_empty())
            .ok_or(Msg::BoundaryRingShort)?
            .iter()
            .collect(),
        _ => return Err(Msg::BoundaryGeometryType),
    };
    let mut bbox = BBox {
        min_lat: f64::INFINITY,
        min_lon: f64::INFINITY,
        max_lat: f64::NEG_INFINITY,
        max_lon: f64::NEG_INFINITY,
    };
    let mut vertices = 0usize;
    for polygon in polygons {
        let rings = polygon
            .as_array()
            .filter(|r| !r.is_empty())
            .ok_or(Msg::BoundaryRingShort)?;
        for ring in rings {
            let points = ring.as_array().ok_or(Msg::BoundaryRingShort)?;
            vertices += points.len();
            if vertices > MAX_VERTICES {
                return Err(Msg::BoundaryTooManyVertices { max: MAX_VERTICES });
            }
            if points.len() < 4 {
                return Err(Msg::BoundaryRingShort);
            }
            let mut ring_points = Vec::with_capacity(points.len());
            for p in points {
                let (lon, lat) = position(p)?;
                bbox.min_lat = bbox.min_lat.min(lat);
                bbox.max_lat = bbox.max_lat.max(lat);
                bbox.min_lon = bbox.min_lon.min(lon);
                bbox.max_lon = bbox.max_lon.max(lon);
                ring_points.push((lon, lat));
            }
            if ring_points.first() != ring_points.last() {
                return Err(Msg::BoundaryRingOpen);
            }
        }
    }
    Ok(Boundary {
        grid: grid.to_string(),
        geometry: json!({"type": geometry["type"], "coordinates": coords}),
        bbox,
    })
}

/// A GeoJSON position: longitude then latitude, in range.
fn position(p: &Value) -> std::result::Result<(f64, f64), Msg> {
    let xs = p.as_array().filter(|xs| xs.len() >= 2);
    let (lon, lat) = match xs.map(|xs| (xs[0].as_f64(), xs[1].as_f64())) {
        Some((Some(lon), Some(lat))) => (lon, lat),
        _ => return Err(Msg::BoundaryBadPosition),
    };
    if !(-180.0..=180.0).contains(&lon) || !(-90.0..=90.0).contains(&lat) {
        return Err(Msg::BoundaryOutOfRange);
    }
    Ok((lon, lat))
}

/// Every feature checked, shape and grids, writing nothing: the boundaries with
/// their grid paths, or every bad feature.
#[allow(clippy::type_complexity)]
pub fn import_check(
    tx: &mut dyn Tx,
    text: &str,
) -> Result<std::result::Result<Vec<(Boundary, String)>, Vec<FeatureError>>> {
    let boundaries = match parse(text) {
        Ok(b) => b,
        Err(e) => return Ok(Err(e)),
    };
    let mut good = Vec::with_capacity(boundaries.len());
    let mut errors = Vec::new();
    for (i, b) in boundaries.into_iter().enumerate() {
        match super::grids::grid_path(tx, &b.grid)? {
            Some(path) => good.push((b, path)),
            None => errors.push(bad(i + 1, Msg::BoundaryUnknownGrid)),
        }
    }
    Ok(if errors.is_empty() {
        Ok(good)
    } else {
        Err(errors)
    })
}

/// Check a file and write every boundary (a grid's earlier one is replaced) or,
/// when any feature is bad, nothing. Returns the count written or the bad features.
pub fn import(
    tx: &mut dyn Tx,
    text: &str,
) -> Result<std::result::Result<usize, Vec<FeatureError>>> {
    let good = match import_check(tx, text)? {
        Ok(g) => g,
        Err(e) => return Ok(Err(e)),
    };
    for (b, path) in &good {
        put(tx, b, path)?;
    }
    Ok(Ok(good.len()))
}

fn put(tx: &mut dyn Tx, b: &Boundary, path: &str) -> Result<()> {
    tx.execute(
        "INSERT INTO grid_boundaries
           (grid_code, grid_path, geometry, min_lat, min_lon, max_lat, max_lon, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (grid_code) DO UPDATE SET grid_path = excluded.grid_path,
           geometry = excluded.geometry, min_lat = excluded.min_lat,
           min_lon = excluded.min_lon, max_lat = excluded.max_lat,
           max_lon = excluded.max_lon, updated_at = excluded.updated_at",
        &[
            b.grid.as_str().into(),
            path.into(),
            b.geometry.to_string().into(),
            SqlValue::Real(b.bbox.min_lat),
            SqlValue::Real(b.bbox.min_lon),
            SqlValue::Real(b.bbox.max_lat),
            SqlValue::Real(b.bbox.max_lon),
            now_ms().into(),
        ],
    )?;
    Ok(())
}

/// A grid's polygon as the map draws it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct GridPolygon {
    pub code: String,
    pub name: String,
    pub level: i64,
    pub geometry: Value,
}

/// The polygons of a scope: the scope's own grid and every grid below it, shallow
/// first (a map draws towns under communities under grids).
pub fn in_scope(tx: &mut dyn Tx, scope: &GridScope) -> Result<Vec<GridPolygon>> {
    let (lo, hi) = scope.range();
    let rows = tx.query(
        "SELECT b.grid_code, g.name, g.level, b.geometry FROM grid_boundaries b
         JOIN grids g ON g.code = b.grid_code
         WHERE b.grid_path >= $1 AND b.grid_path < $2
         ORDER BY g.level, b.grid_code",
        &[lo.into(), hi.into()],
    )?;
    rows.iter().map(polygon).collect()
}

/// One grid's polygon, if it has one.
pub fn of_grid(tx: &mut dyn Tx, code: &str) -> Result<Option<GridPolygon>> {
    let row = tx.query_one(
        "SELECT b.grid_code, g.name, g.level, b.geometry FROM grid_boundaries b
         JOIN grids g ON g.code = b.grid_code WHERE b.grid_code = $1",
        &[code.into()],
    )?;
    row.as_ref().map(polygon).transpose()
}

fn polygon(r: &crate::db::Row) -> Result<GridPolygon> {
    let geometry = serde_json::from_str(&r.text(3)?)
        .map_err(|e| super::Error::internal(format!("stored boundary: {e}")))?;
    Ok(GridPolygon {
        code: r.text(0)?,
        name: r.text(1)?,
        level: r.int(2)?,
        geometry,
    })
}

/// Polygons as a GeoJSON FeatureCollection (what `admin grid-boundaries show` prints
/// and `import` reads back).
pub fn feature_collection(polygons: &[GridPolygon]) -> Value {
    let features: Vec<Value> = polygons
        .iter()
        .map(|p| {
            json!({
                "type": "Feature",
                "properties": {"grid": p.code, "name": p.name, "level": p.level},
                "geometry": p.geometry,
            })
        })
        .collect();
    json!({"type": "FeatureCollection", "features": features})
}

/// Plausible polygons for a grid tree (the demo district, the generated city): the
/// root gets `root`, and each grid's children split its box into rows and columns
/// in code order, each inset a little so a child lies inside its parent. Returns
/// every grid's box, the root's included, in the order of `grids`.
pub fn tile(grids: &[Grid], root: BBox) -> Vec<(String, BBox)> {
    let mut children: HashMap<&str, Vec<&Grid>> = HashMap::new();
    let mut roots = Vec::new();
    for g in grids {
        match &g.parent_code {
            Some(p) => children.entry(p.as_str()).or_default().push(g),
            None => roots.push(g),
        }
    }
    let mut boxes: HashMap<String, BBox> = HashMap::new();
    let mut stack: Vec<(&Grid, BBox)> = roots.into_iter().map(|g| (g, root)).collect();
    while let Some((g, b)) = stack.pop() {
        boxes.insert(g.code.clone(), b);
        if let Some(kids) = children.get_mut(g.code.as_str()) {
            kids.sort_by(|a, b| a.code.cmp(&b.code));
            for (kid, cell) in kids.iter().zip(split(b, kids.len())) {
                stack.push((kid, cell));
            }
        }
    }
    grids
        .iter()
        .filter_map(|g| boxes.get(&g.code).map(|b| (g.code.clone(), *b)))
        .collect()
}

/// `n` cells of a box: rows of `ceil(sqrt(n))` columns, the last row's cells
/// widened to fill it; each inset by 2% of its size.
fn split(b: BBox, n: usize) -> Vec<BBox> {
    if n == 0 {
        return Vec::new();
    }
    let cols = (n as f64).sqrt().ceil() as usize;
    let rows = n.div_ceil(cols);
    let h = (b.max_lat - b.min_lat) / rows as f64;
    let mut out = Vec::with_capacity(n);
    for r in 0..rows {
        let in_row = if r + 1 == rows { n - cols * r } else { cols };
        let w = (b.max_lon - b.min_lon) / in_row as f64;
        for c in 0..in_row {
            let (lat0, lon0) = (b.max_lat - h * (r + 1) as f64, b.min_lon + w * c as f64);
            let (dy, dx) = (h * 0.02, w * 0.02);
            out.push(BBox {
                min_lat: lat0 + dy,
                min_lon: lon0 + dx,
                max_lat: lat0 + h - dy,
                max_lon: lon0 + w - dx,
            });
        }
    }
    out
}

/// A box as a GeoJSON feature for `grid` (a closed ring, counter-clockwise).
pub fn box_feature(grid: &str, b: BBox) -> Value {
    let ring = [
        [b.min_lon, b.min_lat],
        [b.max_lon, b.min_lat],
        [b.max_lon, b.max_lat],
        [b.min_lon, b.max_lat],
        [b.min_lon, b.min_lat],
    ];
    json!({
        "type": "Feature",
        "properties": {"grid": grid},
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    })
}

/// Store the tiled boxes of a grid tree as its boundaries (demo and city seeding):
/// checked like any import.
pub fn seed_tiles(tx: &mut dyn Tx, tiles: &[(String, BBox)]) -> Result<usize> {
    let doc = json!({
        "type": "FeatureCollection",
        "features": tiles.iter().map(|(g, b)| box_feature(g, *b)).collect::<Vec<_>>(),
    });
    match import(tx, &doc.to_string())? {
        Ok(n) => Ok(n),
        Err(e) => Err(super::Error::internal(format!(
            "seeded boundaries refused: feature {} {:?}",
            e[0].feature, e[0].msg
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fc(features: Value) -> String {
        json!({"type": "FeatureCollection", "features": features}).to_string()
    }

    fn square(grid: &str) -> Value {
        box_feature(
            grid,
            BBox {
                min_lat: 31.3,
                min_lon: 120.9,
                max_lat: 31.4,
                max_lon: 121.0,
            },
        )
    }

    #[test]
    fn a_closed_square_is_a_boundary_with_its_box() {
        let b = parse(&fc(json!([square("320583001")]))).unwrap();
        assert_eq!(b.len(), 1);
        assert_eq!(b[0].grid, "320583001");
        assert_eq!(b[0].bbox.min_lon, 120.9);
        assert_eq!(b[0].bbox.max_lat, 31.4);
    }

    #[test]
    fn each_bad_feature_is_named_with_its_reason() {
        let mut open = square("a");
        open["geometry"]["coordinates"][0][4] = json!([121.0, 31.35]);
        let mut short = square("b");
        short["geometry"]["coordinates"][0] = json!([[1, 1], [2, 2], [1, 1]]);
        let mut far = square("c");
        far["geometry"]["coordinates"][0][1] = json!([200.0, 31.3]);
        let mut point = square("d");
        point["geometry"] = json!({"type": "Point", "coordinates": [120.9, 31.3]});
        let mut nogrid = square("e");
        nogrid["properties"] = json!({});
        let errors = parse(&fc(json!([
            square("ok"),
            open,
            short,
            far,
            point,
            nogrid,
            square("ok")
        ])))
        .unwrap_err();
        let got: Vec<(usize, Msg)> = errors.into_iter().map(|e| (e.feature, e.msg)).collect();
        assert_eq!(
            got,
            vec![
                (2, Msg::BoundaryRingOpen),
                (3, Msg::BoundaryRingShort),
                (4, Msg::BoundaryOutOfRange),
                (5, Msg::BoundaryGeometryType),
                (6, Msg::BoundaryNoGrid),
                (7, Msg::BoundaryDuplicateGrid { first: 1 }),
            ]
        );
    }

    #[test]
    fn files_that_are_not_feature_collections_are_refused_whole() {
        let whole = |t: &str| parse(t).unwrap_err()[0].msg.clone();
        assert_eq!(whole("code,name\n"), Msg::BoundaryNotJson);
        assert_eq!(
            whole(r#"{"type":"Feature"}"#),
            Msg::BoundaryNotFeatureCollection
        );
        assert_eq!(
            whole(r#"{"type":"FeatureCollection","features":[]}"#),
            Msg::BoundaryNoFeatures
        );
    }

    #[test]
    fn too_many_vertices_is_refused() {
        let mut ring: Vec<Value> = (0..MAX_VERTICES)
            .map(|i| json!([120.0 + i as f64 * 1e-5, 31.0]))
            .collect();
        ring.push(json!([120.0, 31.0]));
        let f = json!({"type": "Feature", "properties": {"grid": "g"},
            "geometry": {"type": "Polygon", "coordinates": [ring]}});
        assert_eq!(
            parse(&fc(json!([f]))).unwrap_err()[0].msg,
            Msg::BoundaryTooManyVertices { max: MAX_VERTICES }
        );
    }

    #[test]
    fn tiles_nest_inside_their_parents_and_are_deterministic() {
        let g = |code: &str, parent: Option<&str>, level| Grid {
            code: code.into(),
            name: code.into(),
            level,
            parent_code: parent.map(String::from),
        };
        let mut tree = vec![g("r", None, 1)];
        for t in 0..3 {
            let town = format!("r{t}");
            tree.push(g(&town, Some("r"), 2));
            for c in 0..5 {
                tree.push(g(&format!("{town}{c}"), Some(&town), 3));
            }
        }
        let root = BBox {
            min_lat: 31.3,
            min_lon: 120.88,
            max_lat: 31.46,
            max_lon: 121.08,
        };
        let tiles = tile(&tree, root);
        assert_eq!(tiles, tile(&tree, root));
        assert_eq!(tiles.len(), tree.len());
        let of = |c: &str| tiles.iter().find(|(k, _)| k == c).unwrap().1;
        for gr in &tree[1..] {
            let (kid, parent) = (of(&gr.code), of(gr.parent_code.as_deref().unwrap()));
            assert!(kid.min_lat > parent.min_lat && kid.max_lat < parent.max_lat);
            assert!(kid.min_lon > parent.min_lon && kid.max_lon < parent.max_lon);
        }
        // Siblings do not overlap.
        let (a, b) = (of("r00"), of("r01"));
        assert!(a.max_lon <= b.min_lon || a.max_lat <= b.min_lat);
    }
}
