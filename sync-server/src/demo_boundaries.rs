//! Plausible grid polygons for the demo district and the generated city: a box
//! around the city (昆山市, where their addresses lie) subdivided down the grid
//! tree (`rules::grid_boundaries::tile`), and address positions drawn inside their
//! grid's box so markers fall in the polygon they belong to.

use gridfield_core::grid::Grid;

use crate::db::Db;
use crate::error::Result;
use crate::rules::grid_boundaries::{self, BBox};

/// The city's box: about 27 km north to south and 26 km east to west.
pub const CITY_BOX: BBox = BBox {
    min_lat: 31.26,
    min_lon: 120.84,
    max_lat: 31.50,
    max_lon: 121.12,
};

/// Tile a grid tree over the city's box and store every grid's polygon; returns
/// each grid's box, in the order of `grids`.
pub fn seed(db: &Db, grids: &[Grid]) -> Result<Vec<(String, BBox)>> {
    let tiles = grid_boundaries::tile(grids, CITY_BOX);
    db.write_as(|tx| grid_boundaries::seed_tiles(tx, &tiles))?;
    Ok(tiles)
}

/// A point inside a box from two draws in `0..1000` (latitude, longitude), kept
/// off the edges so it stays inside the polygon drawn from the box.
pub fn point_in(b: &BBox, u: u64, v: u64) -> (f64, f64) {
    let at = |lo: f64, hi: f64, t: u64| lo + (hi - lo) * (0.05 + 0.9 * (t % 1000) as f64 / 1000.0);
    (at(b.min_lat, b.max_lat, u), at(b.min_lon, b.max_lon, v))
}

/// The box of `code` among `tiles` (the city's box for a grid not among them).
pub fn box_of(tiles: &[(String, BBox)], code: &str) -> BBox {
    tiles
        .iter()
        .find(|(c, _)| c == code)
        .map_or(CITY_BOX, |(_, b)| *b)
}
