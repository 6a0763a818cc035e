//! The order of the samples in a round, balanced so that no cell is tied to a place.
//!
//! A round takes one sample of every cell of a group: every *column* — a variant at one of the
//! group's thread counts — in every peer. Samples are taken column by column, each column in all
//! peers one after another, so that the
//! comparisons between peers (allocator against system, head against base) are of samples taken
//! next to each other in time. Three things vary from round to round:
//!
//! - the order of the columns rotates every two rounds, so each column takes each place in
//!   the round (first after relocation included: going first costs 2–4% on page-fault-heavy
//!   16MiB cells, METHODOLOGY.md §7);
//! - the order of the peers within a column is reversed every other round, so of any two peers
//!   each goes first equally often within every two rounds (a fixed order made the side that
//!   moved last 9–11% faster on `wordfreq/arena` at 4KiB);
//! - the peers' starting rotation advances once the columns have been through every place, and
//!   differs from one column's turn to the next, so over `2 · columns · peers` rounds every
//!   (column, peer) cell takes every position of the round exactly twice.
//!
//! An earlier scheme rotated the variants every round; with an even number of variants (every
//! group of the catalogue) that tied each variant's place to which build went first, and gave
//! `frames/optimized/jemalloc/16MiB` a +1.6% bias in A/A runs (−0.1% after).

/// One sample of a round: column `column` (a variant at a thread count) in peer `peer`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Turn {
    /// Index of the column in the group (see the module docs).
    pub column: usize,
    /// Index of the peer in the group.
    pub peer: usize,
}

/// The turns of round `round` for `columns` × `peers` cells, in order.
pub fn round(round: usize, columns: usize, peers: usize) -> Vec<Turn> {
    if columns == 0 || peers == 0 {
        return Vec::new();
    }
    let reversed = round % 2 == 1;
    let q = round / 2;
    let column_shift = q % columns;
    let peer_shift = (q / columns) % peers;
    let mut turns = Vec::with_capacity(columns * peers);
    for k in 0..columns {
        let column = (k + column_shift) % columns;
        let order = peer_order(peer_shift + k, peers, reversed);
        turns.extend(order.into_iter().map(|peer| Turn { column, peer }));
    }
    turns
}

/// The order in which the peers draw a new layout before round `round`: the reverse of the order
/// they take their first samples in, so that the first to sample is the last to have touched its
/// fresh copy (neither side's copy is systematically the one still in cache).
pub fn relocation_order(round: usize, columns: usize, peers: usize) -> Vec<usize> {
    let mut seen = Vec::with_capacity(peers);
    for t in self::round(round, columns.max(1), peers) {
        if !seen.contains(&t.peer) {
            seen.push(t.peer);
        }
        if seen.len() == peers {
            break;
        }
    }
    seen.reverse();
    seen
}

fn peer_order(shift: usize, peers: usize, reversed: bool) -> Vec<usize> {
    let mut order: Vec<usize> = (0..peers).map(|i| (i + shift) % peers).collect();
    if reversed {
        order.reverse();
    }
    order
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_round_samples_every_cell_once() {
        for v in 1..=5 {
            for p in 1..=4 {
                for r in 0..3 * v * p {
                    let mut turns = round(r, v, p);
                    assert_eq!(turns.len(), v * p);
                    turns.sort_by_key(|t| (t.column, t.peer));
                    turns.dedup();
                    assert_eq!(turns.len(), v * p, "v={v} p={p} r={r}");
                }
            }
        }
    }

    #[test]
    fn every_cell_takes_every_position_equally_often_in_a_cycle() {
        for v in 1..=7 {
            for p in 1..=6 {
                // counts[column][peer][position]
                let mut counts = vec![vec![vec![0u32; v * p]; p]; v];
                for r in 0..2 * v * p {
                    for (pos, t) in round(r, v, p).into_iter().enumerate() {
                        counts[t.column][t.peer][pos] += 1;
                    }
                }
                for (column, by_peer) in counts.iter().enumerate() {
                    for (peer, by_pos) in by_peer.iter().enumerate() {
                        for (pos, &n) in by_pos.iter().enumerate() {
                            // Once in each direction of the peer order.
                            assert_eq!(n, 2, "v={v} p={p} column {column} peer {peer} at {pos}");
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn of_any_two_peers_each_goes_first_once_in_every_two_rounds() {
        for v in 1..=5 {
            for p in 2..=6 {
                for q in 0..2 * v * p {
                    let (a, b) = (round(2 * q, v, p), round(2 * q + 1, v, p));
                    for column in 0..v {
                        let place = |turns: &[Turn], peer| {
                            turns
                                .iter()
                                .position(|t| t.column == column && t.peer == peer)
                                .unwrap()
                        };
                        for x in 0..p {
                            for y in x + 1..p {
                                let first_in_a = place(&a, x) < place(&a, y);
                                let first_in_b = place(&b, x) < place(&b, y);
                                assert_ne!(first_in_a, first_in_b, "v={v} p={p} q={q}");
                            }
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn every_variant_takes_every_place_within_two_rounds_per_place() {
        // The column order alone repeats every 2·v rounds, whatever the peers do.
        for v in 1..=6 {
            for p in 1..=3 {
                let mut first = vec![0u32; v];
                for r in 0..2 * v {
                    first[round(r, v, p)[0].column] += 1;
                }
                assert!(first.iter().all(|&n| n == 2), "v={v} p={p} {first:?}");
            }
        }
    }

    #[test]
    fn the_first_sampler_relocates_last() {
        for r in 0..12 {
            let order = relocation_order(r, 3, 4);
            assert_eq!(order.len(), 4);
            assert_eq!(*order.last().unwrap(), round(r, 3, 4)[0].peer);
        }
        assert!(relocation_order(0, 3, 0).is_empty());
    }
}
