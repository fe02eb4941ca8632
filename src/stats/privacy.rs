//! Which cells of the statistics may be published, and with what noise.
//!
//! **Suppression** (always): a table is the set of cells of one dimension in
//! one window; its cells partition the window's records (records without a
//! value count as `(none)`), so every table adds up to the same total.
//!
//! 1. Primary: a cell that describes fewer than K distinct users is
//!    suppressed.
//! 2. Complementary, per table: the suppressed cells of a table together must
//!    describe at least K distinct users, or the sum the other cells leave
//!    (total minus published) would describe a small group; the smallest
//!    published cell (fewest users, then events, then value) is suppressed
//!    until that holds or nothing is left.
//! 3. Nested tables: an event name determines its component, CRUD letter and
//!    education level, so a parent cell (e.g. activity `forum`) may be the
//!    exact sum of its event cells. Where it is (checked on the data), the
//!    same rule holds inside the group — the suppressed children of a
//!    published parent describe at least K users together — and a
//!    suppressed parent keeps at least one child suppressed, so neither can
//!    be recovered from the other.
//!
//! The rules are applied until nothing changes. No published number is then
//! a difference that isolates fewer than K users.
//!
//! **Differential privacy** (`--epsilon E`): each user contributes to at
//! most `max_cells` cells per table (the ones with the smallest keyed hash of
//! user and value, so the choice does not depend on input order) and at most
//! `max_events` events per cell; events and distinct users of every cell get
//! Laplace noise of scale sensitivity ÷ ε′, where ε′ = E ÷ (2 × tables): the
//! budget is split equally over every (window, dimension) table and its two
//! measures (sequential composition). Noisy counts are rounded and clamped at
//! zero; a cell whose noisy user count is below K is left out. Records
//! without a user (anonymous web requests) cannot be bounded per person and
//! are counted as they are, with the same noise; the guarantee covers
//! identified users. The noise comes from the operating system's random
//! source, so such output differs from run to run.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use super::state::{Cell, Dim, State};

/// How cells are protected.
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    /// K: the fewest distinct users a published cell describes.
    pub min_users: u64,
    /// ε for differential privacy, or none.
    pub epsilon: Option<f64>,
    /// With ε: cells per user and table.
    pub max_cells: usize,
    /// With ε: events per user and cell.
    pub max_events: u64,
    /// Only these dimensions' tables (all when `None`); with ε the budget is
    /// split over these only.
    pub dims: Option<Vec<Dim>>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            min_users: 5,
            epsilon: None,
            max_cells: 4,
            max_events: 100,
            dims: None,
        }
    }
}

/// A cell that may be published, with its (possibly noisy) numbers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Published {
    /// Window start.
    pub window: i64,
    /// Dimension.
    pub dim: Dim,
    /// Value.
    pub value: String,
    /// Events.
    pub events: u64,
    /// Distinct users.
    pub users: u64,
    /// Meeting minutes.
    pub minutes: u64,
    /// Sum of per-meeting participants.
    pub participants: u64,
    /// Largest number at once.
    pub peak: u64,
}

/// What was decided, in numbers (for the metadata file).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Report {
    /// Tables (window × dimension).
    pub tables: u64,
    /// Cells in all.
    pub cells: u64,
    /// Cells published.
    pub published: u64,
    /// Cells with fewer than K users.
    pub suppressed_primary: u64,
    /// Cells suppressed so that no suppressed cell can be recovered.
    pub suppressed_complementary: u64,
    /// With ε: the budget of each measure of each table.
    pub epsilon_per_measure: Option<f64>,
}

/// The decision.
#[derive(Debug, Clone, Default)]
pub struct Decided {
    /// Published cells, ordered by window, dimension, value.
    pub published: Vec<Published>,
    /// The numbers.
    pub report: Report,
}

type Key<'a> = (i64, Dim, &'a str);

/// Applies the rules of the module docs to every cell of `state`.
pub fn decide(state: &State, opts: &Options) -> Decided {
    let keys: Vec<Key<'_>> = state
        .keys()
        .into_iter()
        .filter(|k| opts.dims.as_ref().is_none_or(|d| d.contains(&k.1)))
        .collect();
    let mut tables: BTreeMap<(i64, Dim), Vec<Key<'_>>> = BTreeMap::new();
    for k in &keys {
        tables.entry((k.0, k.1)).or_default().push(*k);
    }
    let mut report = Report {
        tables: tables.len() as u64,
        cells: keys.len() as u64,
        ..Report::default()
    };
    if let Some(eps) = opts.epsilon {
        return noisy(state, opts, eps, &tables, report);
    }
    let mut sup = Suppressor {
        state,
        k_min: opts.min_users,
        suppressed: HashSet::new(),
    };
    sup.suppressed = keys
        .iter()
        .filter(|k| sup.users(k) < sup.k_min)
        .copied()
        .collect();
    report.suppressed_primary = sup.suppressed.len() as u64;
    let groups = parent_groups(state, &tables);
    while sup.complement_tables(&tables) | sup.complement_groups(&groups) {}
    report.suppressed_complementary = sup.suppressed.len() as u64 - report.suppressed_primary;
    let published: Vec<Published> = keys
        .iter()
        .filter(|k| !sup.suppressed.contains(*k))
        .map(|k| exact(k, sup.cell(k)))
        .collect();
    report.published = published.len() as u64;
    Decided { published, report }
}

/// Parent groups: (parent key, exclusive children) where the parent (an
/// activity, CRUD letter or education level) is exactly the sum of its
/// event cells, checked on the data.
fn parent_groups<'a>(
    state: &'a State,
    tables: &BTreeMap<(i64, Dim), Vec<Key<'a>>>,
) -> Vec<(Key<'a>, Vec<Key<'a>>)> {
    let cell = |k: &Key<'_>| state.cell(k.0, k.1, k.2).expect("a listed cell");
    let mut groups = Vec::new();
    for (&(w, dim), cells) in tables {
        let idx = match dim {
            Dim::Activity => 0,
            Dim::Crud => 1,
            Dim::Edulevel => 2,
            _ => continue,
        };
        let events = tables.get(&(w, Dim::Event));
        for p in cells {
            let children: Vec<Key<'_>> = events
                .into_iter()
                .flatten()
                .filter(|e| {
                    state
                        .parents
                        .get(&w)
                        .and_then(|evs| evs.get(e.2))
                        .is_some_and(|ps| ps[idx].as_deref() == Some(p.2))
                })
                .copied()
                .collect();
            let sum: u64 = children.iter().map(|c| cell(c).events).sum();
            if !children.is_empty() && sum == cell(p).events {
                groups.push((*p, children));
            }
        }
    }
    groups
}

/// The suppression rules' state: which cells are suppressed so far.
struct Suppressor<'a> {
    state: &'a State,
    k_min: u64,
    suppressed: HashSet<Key<'a>>,
}

impl<'a> Suppressor<'a> {
    fn cell(&self, k: &Key<'_>) -> &'a Cell {
        self.state.cell(k.0, k.1, k.2).expect("a listed cell")
    }

    fn users(&self, k: &Key<'_>) -> u64 {
        self.cell(k).users.len() as u64
    }

    /// Distinct users of a set of cells together.
    fn union(&self, set: &[Key<'_>]) -> u64 {
        let mut u: HashSet<u64> = HashSet::new();
        for k in set {
            u.extend(self.cell(k).users.keys());
        }
        u.len() as u64
    }

    /// `cells` split into (suppressed, published).
    fn split(&self, cells: &[Key<'a>]) -> (Vec<Key<'a>>, Vec<Key<'a>>) {
        cells.iter().partition(|k| self.suppressed.contains(*k))
    }

    /// The cell to suppress next among `open`: fewest users, then events,
    /// then value.
    fn smallest(&self, open: &[Key<'a>]) -> Option<Key<'a>> {
        open.iter()
            .min_by_key(|k| ((self.users(k), self.cell(k).events), k.2))
            .copied()
    }

    /// Rule 2 on every table; returns whether anything changed.
    fn complement_tables(&mut self, tables: &BTreeMap<(i64, Dim), Vec<Key<'a>>>) -> bool {
        let mut changed = false;
        for cells in tables.values() {
            let (sup, open) = self.split(cells);
            if !sup.is_empty() && !open.is_empty() && self.union(&sup) < self.k_min {
                if let Some(k) = self.smallest(&open) {
                    self.suppressed.insert(k);
                    changed = true;
                }
            }
        }
        changed
    }

    /// Rule 3 on every parent group; returns whether anything changed.
    fn complement_groups(&mut self, groups: &[(Key<'a>, Vec<Key<'a>>)]) -> bool {
        let mut changed = false;
        for (p, children) in groups {
            let (sup, open) = self.split(children);
            if self.suppressed.contains(p) {
                if sup.is_empty() {
                    if let Some(k) = self.smallest(&open) {
                        self.suppressed.insert(k);
                        changed = true;
                    }
                }
            } else if !sup.is_empty() && self.union(&sup) < self.k_min {
                let k = self.smallest(&open).unwrap_or(*p);
                self.suppressed.insert(k);
                changed = true;
            }
        }
        changed
    }
}

fn exact(k: &Key<'_>, c: &Cell) -> Published {
    Published {
        window: k.0,
        dim: k.1,
        value: k.2.to_string(),
        events: c.events,
        users: c.users.len() as u64,
        minutes: c.minutes,
        participants: c.participants,
        peak: c.peak,
    }
}

/// A source of Laplace noise seeded from the operating system.
struct Noise(u64);

impl Noise {
    fn new() -> Noise {
        let mut b = [0u8; 8];
        // Without a random source there is no privacy: fail loudly.
        getrandom::fill(&mut b).expect("the OS random source works");
        Noise(u64::from_le_bytes(b))
    }

    /// splitmix64.
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Laplace(0, b) by inverse transform.
    fn laplace(&mut self, b: f64) -> f64 {
        // u uniform in (-0.5, 0.5), never exactly ±0.5.
        let u = ((self.next() >> 11) as f64 + 0.5) / (1u64 << 53) as f64 - 0.5;
        -b * u.signum() * (1.0 - 2.0 * u.abs()).ln()
    }
}

fn noisy(
    state: &State,
    opts: &Options,
    eps: f64,
    tables: &BTreeMap<(i64, Dim), Vec<Key<'_>>>,
    mut report: Report,
) -> Decided {
    let eps_m = eps / (2.0 * tables.len().max(1) as f64);
    report.epsilon_per_measure = Some(eps_m);
    let mut noise = Noise::new();
    let l = opts.max_cells.max(1);
    let c_max = opts.max_events.max(1);
    let mut published = Vec::new();
    for cells in tables.values() {
        // Each user keeps the `l` cells with the smallest hash of (user,
        // value): a choice that does not depend on input order.
        let mut per_user: BTreeMap<u64, Vec<(u64, usize)>> = BTreeMap::new();
        for (i, k) in cells.iter().enumerate() {
            let c = state.cell(k.0, k.1, k.2).expect("a listed cell");
            for u in c.users.keys() {
                let h = foldhash_mix(*u, k.2);
                per_user.entry(*u).or_default().push((h, i));
            }
        }
        let mut kept: BTreeSet<(usize, u64)> = BTreeSet::new();
        for (u, mut v) in per_user {
            v.sort();
            for (_, i) in v.into_iter().take(l) {
                kept.insert((i, u));
            }
        }
        for (i, k) in cells.iter().enumerate() {
            let c = state.cell(k.0, k.1, k.2).expect("a listed cell");
            let mut users = 0u64;
            let mut events = 0u64;
            let mut user_events = 0u64;
            for (u, n) in &c.users {
                user_events += n;
                if kept.contains(&(i, *u)) {
                    users += 1;
                    events += (*n).min(c_max);
                }
            }
            events += c.events.saturating_sub(user_events);
            let round = |x: f64| x.round().max(0.0) as u64;
            let nu = round(users as f64 + noise.laplace(l as f64 / eps_m));
            let ne = round(events as f64 + noise.laplace((l as u64 * c_max) as f64 / eps_m));
            if nu < opts.min_users {
                report.suppressed_primary += 1;
                continue;
            }
            let mut p = exact(k, c);
            p.users = nu;
            p.events = ne;
            published.push(p);
        }
    }
    report.published = published.len() as u64;
    Decided { published, report }
}

/// A fixed mix of a user key and a cell value (for the per-user cell
/// choice; not secret: the user key already is).
fn foldhash_mix(u: u64, v: &str) -> u64 {
    let mut h = u ^ 0x9E37_79B9_7F4A_7C15;
    for b in v.bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x100_0000_01B3);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::state::{State, DIMS};
    use proptest::prelude::*;

    /// A state from (window, dim index, value, users, anonymous events).
    fn state(cells: &[(i64, usize, u8, Vec<u64>, u64)]) -> State {
        let mut s = State::new(604_800);
        for (w, d, v, users, anon) in cells {
            let c = s.cell_mut(*w * 604_800, DIMS[*d % 10], &format!("v{v}"));
            for u in users {
                *c.users.entry(*u).or_default() += 1;
                c.events += 1;
            }
            c.events += anon;
        }
        s
    }

    fn check_rules(s: &State, d: &Decided, k: u64) {
        let published: HashSet<(i64, Dim, String)> = d
            .published
            .iter()
            .map(|p| (p.window, p.dim, p.value.clone()))
            .collect();
        for p in &d.published {
            assert!(
                p.users >= k,
                "a cell with {} < {k} users was published",
                p.users
            );
        }
        for (&(w, dim), cells) in &s.cells {
            let sup: Vec<&Cell> = cells
                .iter()
                .filter(|(v, _)| !published.contains(&(w, dim, (*v).clone())))
                .map(|(_, c)| c)
                .collect();
            let open = cells.len() - sup.len();
            if sup.is_empty() || open == 0 {
                continue;
            }
            let mut u: HashSet<u64> = HashSet::new();
            for c in &sup {
                u.extend(c.users.keys());
            }
            assert!(
                u.len() as u64 >= k,
                "the suppressed cells of a table describe {} < {k} users: total minus published would reveal them",
                u.len()
            );
        }
    }

    #[test]
    fn a_cell_of_k_minus_one_users_is_never_published_nor_recoverable() {
        // One window, one dimension: a big cell and a small one.
        let s = state(&[
            (0, 0, 1, vec![1, 2, 3, 4, 5, 6], 0),
            (0, 0, 2, vec![7, 8, 9, 10], 0),
        ]);
        let d = decide(&s, &Options::default());
        // The small cell (4 users) is suppressed, and then the big one too:
        // publishing it would reveal the small one as total − big.
        assert!(d.published.is_empty());
        assert_eq!(d.report.suppressed_primary, 1);
        assert_eq!(d.report.suppressed_complementary, 1);
        // With a third cell the two small ones protect each other.
        let s = state(&[
            (0, 0, 1, vec![1, 2, 3, 4, 5, 6], 0),
            (0, 0, 2, vec![7, 8, 9], 0),
            (0, 0, 3, vec![10, 11], 0),
        ]);
        let d = decide(&s, &Options::default());
        assert_eq!(d.published.len(), 1);
        assert_eq!(d.published[0].value, "v1");
        check_rules(&s, &d, 5);
    }

    #[test]
    fn nested_cells_protect_each_other() {
        // Activity `forum` is exactly the sum of two event cells; one of them
        // has 2 users. Publishing forum and the other event would reveal it.
        let mut s = State::new(604_800);
        let users = |r: std::ops::Range<u64>| r.collect::<Vec<_>>();
        for (ev, us) in [("e_big", users(1..8)), ("e_small", users(20..22))] {
            for u in us {
                s.add_record(10, Some(u), &[(Dim::Event, ev), (Dim::Activity, "forum")]);
            }
        }
        for u in 30..40 {
            s.add_record(
                10,
                Some(u),
                &[(Dim::Event, "e_other"), (Dim::Activity, "quiz")],
            );
        }
        let d = decide(&s, &Options::default());
        check_rules(&s, &d, 5);
        let has = |dim: Dim, v: &str| d.published.iter().any(|p| p.dim == dim && p.value == v);
        assert!(!has(Dim::Event, "e_small"));
        assert!(
            !(has(Dim::Activity, "forum") && has(Dim::Event, "e_big")),
            "forum − e_big would give e_small"
        );
    }

    #[test]
    fn laplace_samples_have_the_laplace_spread() {
        // Laplace(0, b): mean 0, mean absolute value b, P(|x| > b ln 20) = 5 %.
        let mut n = Noise(42);
        let b = 10.0;
        let xs: Vec<f64> = (0..40_000).map(|_| n.laplace(b)).collect();
        let mean = xs.iter().sum::<f64>() / xs.len() as f64;
        let mean_abs = xs.iter().map(|x| x.abs()).sum::<f64>() / xs.len() as f64;
        let tail = xs.iter().filter(|x| x.abs() > b * 20f64.ln()).count() as f64 / xs.len() as f64;
        assert!(mean.abs() < 0.3, "mean {mean}");
        assert!((mean_abs - b).abs() < 0.3, "mean |x| {mean_abs}");
        assert!((tail - 0.05).abs() < 0.005, "tail {tail}");
    }

    #[test]
    fn noise_keeps_small_cells_out() {
        let s = state(&[(0, 0, 1, (0..200).collect(), 50), (0, 0, 2, vec![1], 0)]);
        let opts = Options {
            epsilon: Some(1.0),
            ..Options::default()
        };
        let d = decide(&s, &opts);
        assert_eq!(d.report.epsilon_per_measure, Some(0.5));
        assert!(d.published.iter().all(|p| p.users >= 5));
        assert!(d.published.iter().any(|p| p.value == "v1"));
    }

    proptest! {
        /// On any cells: no published cell describes fewer than K users,
        /// and in every table the suppressed cells together describe at
        /// least K users (or the whole table is suppressed).
        #[test]
        fn rules_hold_on_any_cells(
            cells in proptest::collection::vec(
                (0i64..2, 0usize..3, 0u8..6, proptest::collection::vec(0u64..30, 0..12), 0u64..3),
                1..40,
            ),
            k in 1u64..8,
        ) {
            let s = state(&cells);
            let d = decide(&s, &Options { min_users: k, ..Options::default() });
            check_rules(&s, &d, k);
        }
    }
}
