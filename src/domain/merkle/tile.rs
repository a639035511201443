//! C2SP `tlog-tiles`: the tree served as static, immutable files. A tile at
//! level `L` holds up to 256 consecutive hashes of complete subtrees of
//! `256^L` leaves; an entry bundle holds the entries of 256 leaves. Paths
//! spell the index in zero-padded groups of three digits (`x001/x234/067`) so
//! they can live as plain files on any web server.

use super::{Hash, Tree};

/// Hashes (or entries) in a full tile.
pub const TILE_WIDTH: u64 = 256;
/// Tree levels a tile spans: `log2(TILE_WIDTH)`.
pub const TILE_HEIGHT: u32 = 8;

/// What a tile holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TileKind {
    /// Merkle tree hashes at tile level `L` (tree level `8 · L`).
    Hashes(u8),
    /// The log entries themselves (here: the 32-byte event hashes).
    Entries,
}

/// One tile resource: its kind, index within its level and, for a partial
/// tile, its width (1–255).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TileId {
    pub kind: TileKind,
    pub index: u64,
    pub partial: Option<u8>,
}

impl TileId {
    /// How many hashes or entries the tile holds.
    #[must_use]
    pub fn width(&self) -> u64 {
        self.partial.map_or(TILE_WIDTH, u64::from)
    }

    /// The path below `<prefix>/tile/`, e.g. `0/x001/234.p/7` or `entries/005`.
    #[must_use]
    pub fn path(&self) -> String {
        let level = match self.kind {
            TileKind::Hashes(l) => l.to_string(),
            TileKind::Entries => "entries".to_owned(),
        };
        let mut groups = Vec::new();
        let mut n = self.index;
        loop {
            groups.push(n % 1000);
            n /= 1000;
            if n == 0 {
                break;
            }
        }
        let last = groups.len() - 1;
        let index: Vec<String> = groups
            .iter()
            .rev()
            .enumerate()
            .map(|(i, g)| {
                if i < last {
                    format!("x{g:03}")
                } else {
                    format!("{g:03}")
                }
            })
            .collect();
        let mut path = format!("{level}/{}", index.join("/"));
        if let Some(w) = self.partial {
            path.push_str(&format!(".p/{w}"));
        }
        path
    }

    /// Reads a path below `<prefix>/tile/`; only the one canonical spelling
    /// of each tile is accepted, so each resource has exactly one address.
    #[must_use]
    pub fn parse(path: &str) -> Option<TileId> {
        let (level, rest) = path.split_once('/')?;
        let kind = if level == "entries" {
            TileKind::Entries
        } else {
            let l: u8 = canonical_decimal(level)?.try_into().ok()?;
            if l > 63 {
                return None;
            }
            TileKind::Hashes(l)
        };
        let (index_part, partial) = match rest.split_once(".p/") {
            Some((i, w)) => {
                let w = u8::try_from(canonical_decimal(w)?).ok()?;
                if w == 0 {
                    return None;
                }
                (i, Some(w))
            }
            None => (rest, None),
        };
        let groups: Vec<&str> = index_part.split('/').collect();
        let last = groups.len() - 1;
        let mut index: u64 = 0;
        for (i, g) in groups.iter().enumerate() {
            let digits = if i < last { g.strip_prefix('x')? } else { g };
            if digits.len() != 3 || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            index = index
                .checked_mul(1000)?
                .checked_add(digits.parse::<u64>().ok()?)?;
        }
        let id = TileId {
            kind,
            index,
            partial,
        };
        // Leading zero groups ("x000/001") are not the canonical spelling.
        (id.path() == path).then_some(id)
    }

    /// Whether a tree of `size` leaves holds all of the tile.
    #[must_use]
    pub fn fits(&self, size: u64) -> bool {
        let level = match self.kind {
            TileKind::Hashes(l) => u32::from(l),
            TileKind::Entries => 0,
        };
        let Some(per_hash) = 1u64.checked_shl(TILE_HEIGHT * level) else {
            return false;
        };
        self.index
            .checked_mul(TILE_WIDTH)
            .and_then(|s| s.checked_add(self.width()))
            .and_then(|e| e.checked_mul(per_hash))
            .is_some_and(|end| end <= size)
    }

    /// The tile's bytes from the tree (hash tiles) or the entries (entry
    /// bundles); `None` when the tree does not yet hold all of it.
    #[must_use]
    pub fn data(&self, tree: &Tree, entries: &[Hash]) -> Option<Vec<u8>> {
        if !self.fits(tree.size()) {
            return None;
        }
        let start = usize::try_from(self.index * TILE_WIDTH).ok()?;
        let end = start + usize::try_from(self.width()).ok()?;
        match self.kind {
            TileKind::Hashes(l) => {
                let row = tree.level(usize::from(l) * TILE_HEIGHT as usize);
                Some(row.get(start..end)?.concat())
            }
            TileKind::Entries => {
                let mut out = Vec::with_capacity((end - start) * 34);
                for entry in entries.get(start..end)? {
                    // Each entry is a big-endian u16 length and the 32 bytes.
                    out.extend_from_slice(&32u16.to_be_bytes());
                    out.extend_from_slice(entry);
                }
                Some(out)
            }
        }
    }
}

fn canonical_decimal(s: &str) -> Option<u64> {
    let ok =
        !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) && (s == "0" || !s.starts_with('0'));
    if ok { s.parse().ok() } else { None }
}

/// Every tile a tree of `size` leaves is served as: the full tiles and the
/// rightmost partial one at each level, then the entry bundles.
#[must_use]
pub fn tiles_for(size: u64) -> Vec<TileId> {
    let mut out = Vec::new();
    let mut level: u8 = 0;
    let mut count = size; // hashes at this tile level
    while count > 0 {
        push_level(&mut out, TileKind::Hashes(level), count);
        count /= TILE_WIDTH;
        level += 1;
    }
    push_level(&mut out, TileKind::Entries, size);
    out
}

fn push_level(out: &mut Vec<TileId>, kind: TileKind, count: u64) {
    for index in 0..count / TILE_WIDTH {
        out.push(TileId {
            kind,
            index,
            partial: None,
        });
    }
    if let Ok(w @ 1..) = u8::try_from(count % TILE_WIDTH) {
        out.push(TileId {
            kind,
            index: count / TILE_WIDTH,
            partial: Some(w),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::super::leaf_hash;
    use super::*;

    fn id(kind: TileKind, index: u64, partial: Option<u8>) -> TileId {
        TileId {
            kind,
            index,
            partial,
        }
    }

    #[test]
    fn paths_are_spelled_as_the_specification_shows() {
        assert_eq!(
            id(TileKind::Hashes(0), 1_234_067, None).path(),
            "0/x001/x234/067"
        );
        assert_eq!(id(TileKind::Hashes(2), 5, Some(17)).path(), "2/005.p/17");
        assert_eq!(id(TileKind::Entries, 1000, None).path(), "entries/x001/000");
        for p in [
            "0/x001/x234/067",
            "2/005.p/17",
            "entries/x001/000",
            "63/000",
        ] {
            assert_eq!(TileId::parse(p).unwrap().path(), p);
        }
        for bad in [
            "0/1",
            "0/x000/001",
            "00/001",
            "64/000",
            "0/001.p/0",
            "0/001.p/256",
            "0/001.p/07",
            "0/x001",
            "0/001/",
            "e/001",
            "0/1234",
            "-1/001",
        ] {
            assert_eq!(TileId::parse(bad), None, "{bad}");
        }
    }

    // The example of the specification: a tree of 70,000 entries.
    #[test]
    fn a_tree_of_seventy_thousand_has_the_tiles_the_specification_lists() {
        let tiles = tiles_for(70_000);
        let at = |k: TileKind| tiles.iter().filter(|t| t.kind == k).collect::<Vec<_>>();
        let l0 = at(TileKind::Hashes(0));
        assert_eq!(l0.iter().filter(|t| t.partial.is_none()).count(), 273);
        assert_eq!(l0.last().unwrap().partial, Some(112));
        let l1 = at(TileKind::Hashes(1));
        assert_eq!(l1.len(), 2);
        assert_eq!(l1[1].partial, Some(17));
        assert_eq!(
            at(TileKind::Hashes(2)),
            vec![&id(TileKind::Hashes(2), 0, Some(1))]
        );
        assert!(at(TileKind::Hashes(3)).is_empty());
        assert_eq!(at(TileKind::Entries).len(), 274);
        let t256 = tiles_for(256);
        assert_eq!(
            t256,
            vec![
                id(TileKind::Hashes(0), 0, None),
                id(TileKind::Hashes(1), 0, Some(1)),
                id(TileKind::Entries, 0, None)
            ]
        );
    }

    #[test]
    fn a_full_tile_hashes_to_the_subtree_the_level_above_holds() {
        let entries: Vec<Hash> = (0..600u32).map(|i| leaf_hash(&i.to_be_bytes())).collect();
        let tree = Tree::from_leaves(entries.iter().map(|e| leaf_hash(e)));
        let t0 = id(TileKind::Hashes(0), 1, None)
            .data(&tree, &entries)
            .unwrap();
        assert_eq!(t0.len(), 8192);
        let rebuilt = Tree::from_leaves(t0.chunks(32).map(|c| c.try_into().unwrap()));
        let t1 = id(TileKind::Hashes(1), 0, Some(2))
            .data(&tree, &entries)
            .unwrap();
        assert_eq!(&t1[32..], rebuilt.root().as_slice());
        // Not yet in the tree: a full tile at 600 leaves' right edge, or too wide.
        assert_eq!(id(TileKind::Hashes(0), 2, None).data(&tree, &entries), None);
        assert_eq!(
            id(TileKind::Hashes(0), 2, Some(89)).data(&tree, &entries),
            None
        );
        assert!(
            id(TileKind::Hashes(0), 2, Some(88))
                .data(&tree, &entries)
                .is_some()
        );
        let bundle = id(TileKind::Entries, 2, Some(1))
            .data(&tree, &entries)
            .unwrap();
        assert_eq!(bundle[..2], [0, 32]);
        assert_eq!(bundle[2..], entries[512]);
        for t in tiles_for(600) {
            assert!(t.data(&tree, &entries).is_some(), "{}", t.path());
        }
    }
}
