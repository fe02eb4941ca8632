//! Which cells of the statistics may be published, and with what noise.
//!
//! **Suppression** (without ε): a table is the set of cells of one dimension
//! in one window; its cells partition the window's records (records without
//! a value count as `(none)`), so every table adds up to the window's
//! `total`.
//!
//! 1. Primary: a cell that describes fewer than K distinct users is
//!    suppressed.
//! 2. Complementary, per table: the suppressed cells of a table together must
//!    describe at least K distinct users, or the sum the other cells leave
//!    would describe a small group; the smallest published cell (fewest
//!    users, then events, then value) is suppressed until that holds.
//!    Nested tables (an event name determines its component, CRUD letter
//!    and education level; checked on the data) follow the same rule within
//!    each parent, and a suppressed parent keeps a suppressed child.
//! 3. The audit ([`audit`]): every table of every window length of the run
//!    as one linear system (tables add up to their total, parents to their
//!    children, long windows to their shortest windows); every suppressed
//!    cell of 1 to K−1 users must keep a feasible interval of at least
//!    max(K, 20 %), or more cells are suppressed.
//!
//! Rules 2 and 3 are applied until nothing changes. Suppressed cells of
//! public-domain dimensions are returned marked (their values are public, so
//! a missing row would read as zero); values of a public domain without
//! records are rows of zero.
//!
//! **Differential privacy** (`--epsilon E`, δ): each user contributes to at
//! most `max_cells` cells per table and `max_events` events per cell; the
//! budget is split equally over every (length, window, dimension) table,
//! half each for users and events; public-domain tables publish every value
//! with Laplace noise, data-derived values are selected by Laplace
//! thresholding ([`selection_threshold`]) with δ split over those tables;
//! counts are then rounded, clamped at 0 and events raised to users
//! ([`POST_PROCESSING`]). Records without a user are left out.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use super::audit::{self, System};
use super::state::{Cell, Dim, State};

/// How cells are protected.
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    /// K: the fewest distinct users a published cell describes.
    pub min_users: u64,
    /// ε for differential privacy, or none.
    pub epsilon: Option<f64>,
    /// With ε: δ, the total probability of a release that ε does not bound
    /// (values that come from the data).
    pub delta: f64,
    /// With ε: cells per user and table.
    pub max_cells: usize,
    /// With ε: events per user and cell.
    pub max_events: u64,
    /// Only these dimensions' tables (all when `None`); with ε the budget is
    /// split over these only.
    pub dims: Option<Vec<Dim>>,
    /// The public list of courses (`--domain course=FILE`): with it the
    /// course table lists every course, and nothing else.
    pub course_domain: Option<Vec<String>>,
    /// A fixed seed for the noise (tests only: a known seed is no privacy).
    pub seed: Option<u64>,
    /// The most work the disclosure audit may do (see
    /// [`audit::System::budget`]; 0: no limit).
    pub audit_budget: u64,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            min_users: 5,
            epsilon: None,
            delta: 1e-6,
            max_cells: 4,
            max_events: 100,
            dims: None,
            course_domain: None,
            seed: None,
            audit_budget: audit::DEFAULT_BUDGET,
        }
    }
}

impl Options {
    fn wanted(&self, d: Dim) -> bool {
        match &self.dims {
            None => super::state::DEFAULT_DIMS.has(d),
            Some(x) => x.contains(&d),
        }
    }

    /// The public values of `d`, if its domain is public.
    pub fn domain(&self, d: Dim) -> Option<Vec<&str>> {
        match d {
            Dim::Course => self
                .course_domain
                .as_ref()
                .map(|v| v.iter().map(String::as_str).collect()),
            _ => d.public_domain().map(<[&str]>::to_vec),
        }
    }
}

/// A row of the release: a published cell with its (possibly noisy)
/// numbers, or a suppressed cell of a public domain (numbers zero).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Published {
    /// Window length in seconds.
    pub len: u64,
    /// Window start.
    pub window: i64,
    /// Dimension.
    pub dim: Dim,
    /// Value.
    pub value: String,
    /// Suppressed: the counts are not published.
    pub suppressed: bool,
    /// Events.
    pub events: u64,
    /// Distinct users.
    pub users: u64,
    /// Meeting minutes (none under ε).
    pub minutes: Option<u64>,
    /// Sum of per-meeting participants (none under ε).
    pub participants: Option<u64>,
    /// Largest number at once (none under ε).
    pub peak: Option<u64>,
}

/// What was decided, in numbers (for the metadata file).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Report {
    /// Tables (window length × window × dimension).
    pub tables: u64,
    /// Cells in all (with data).
    pub cells: u64,
    /// Cells published.
    pub published: u64,
    /// Cells with fewer than K users.
    pub suppressed_primary: u64,
    /// Cells suppressed so that no suppressed cell can be recovered.
    pub suppressed_complementary: u64,
    /// Rows of public-domain values without data, published as zero.
    pub zero_rows: u64,
    /// The audit of the whole release (without ε).
    pub audit: Option<audit::AuditReport>,
    /// The differential-privacy guarantee (with ε).
    pub differential_privacy: Option<DpReport>,
}

/// The (ε, δ) guarantee and how it is spent.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct DpReport {
    /// ε of the whole release, for one user's records.
    pub epsilon: f64,
    /// δ of the whole release.
    pub delta: f64,
    /// Unit of privacy.
    pub unit: &'static str,
    /// Per user: cells per table.
    pub max_cells_per_user_and_table: usize,
    /// Per user: events per cell.
    pub max_events_per_user_and_cell: u64,
    /// Tables the budget is split over (every window length, window and
    /// dimension).
    pub tables: u64,
    /// ε of each table (half for users, half for events).
    pub epsilon_per_table: f64,
    /// Laplace scale of the users counts.
    pub users_noise_scale: f64,
    /// Laplace scale of the events counts.
    pub events_noise_scale: f64,
    /// Tables whose values come from the data (partition selection).
    pub data_tables: u64,
    /// δ of each such table.
    pub delta_per_data_table: f64,
    /// A data value is published when its noisy users count reaches this.
    pub selection_threshold: f64,
    /// Consistency applied after the noise.
    pub post_processing: &'static str,
}

/// The decision.
#[derive(Debug, Clone, Default)]
pub struct Decided {
    /// Rows, ordered by window length, window, dimension, value.
    pub published: Vec<Published>,
    /// The numbers.
    pub report: Report,
}

type Key<'a> = (i64, Dim, &'a str);

/// The cells of one state by table, only the wanted dimensions.
fn tables_of<'a>(state: &'a State, opts: &Options) -> BTreeMap<(i64, Dim), Vec<Key<'a>>> {
    let mut tables: BTreeMap<(i64, Dim), Vec<Key<'_>>> = BTreeMap::new();
    for k in state.keys() {
        if opts.wanted(k.1) {
            tables.entry((k.0, k.1)).or_default().push(k);
        }
    }
    tables
}

/// Applies the rules of the module docs to every cell of `states`: one
/// release of several window lengths, shortest first, each a multiple of
/// the shortest (and aligned alike, see [`State::coarsen`]).
pub fn decide(states: &[State], opts: &Options) -> Decided {
    let all: Vec<BTreeMap<(i64, Dim), Vec<Key<'_>>>> =
        states.iter().map(|s| tables_of(s, opts)).collect();
    let mut report = Report {
        tables: all.iter().map(|t| t.len() as u64).sum(),
        cells: all
            .iter()
            .flat_map(|t| t.values())
            .map(|c| c.len() as u64)
            .sum(),
        ..Report::default()
    };
    if let Some(eps) = opts.epsilon {
        return noisy(states, &all, opts, eps, report);
    }
    let mut sups: Vec<Suppressor<'_>> = states
        .iter()
        .map(|state| Suppressor {
            state,
            k_min: opts.min_users,
            suppressed: HashSet::new(),
        })
        .collect();
    for (sup, tables) in sups.iter_mut().zip(&all) {
        let primary: HashSet<Key<'_>> = tables
            .values()
            .flatten()
            .filter(|k| sup.users(k) < sup.k_min)
            .copied()
            .collect();
        report.suppressed_primary += primary.len() as u64;
        sup.suppressed = primary;
    }
    let groups: Vec<_> = states
        .iter()
        .zip(&all)
        .map(|(s, t)| parent_groups(s, t))
        .collect();
    let mut audit_total: Option<audit::AuditReport> = None;
    loop {
        for ((sup, tables), g) in sups.iter_mut().zip(&all).zip(&groups) {
            while sup.complement_tables(tables) | sup.complement_groups(g) {}
        }
        let (mut sys, ids) = system(states, &all, &groups, &sups);
        let spent = audit_total.as_ref().map_or(0, |t| t.work);
        sys.budget = match opts.audit_budget {
            0 => 0,
            b => b.saturating_sub(spent).max(1),
        };
        let r = sys.protect(opts.min_users);
        for (key, &id) in &ids {
            if sys.suppressed[id] && opts.wanted(key.2) {
                sups[key.0].suppressed.insert((key.1, key.2, key.3));
            }
        }
        let added = r.suppressed_by_audit;
        audit_total = Some(match audit_total {
            None => r,
            Some(mut t) => {
                // Later rounds only check what earlier rounds left.
                t.suppressed_by_audit += r.suppressed_by_audit;
                t.linear_programs += r.linear_programs;
                t.work += r.work;
                t.unprotected = r.unprotected;
                t.budget_exhausted = r.budget_exhausted;
                t
            }
        });
        if added == 0 || audit_total.as_ref().is_some_and(|t| t.budget_exhausted) {
            break;
        }
    }
    report.audit = audit_total;
    let n_sup: u64 = sups.iter().map(|s| s.suppressed.len() as u64).sum();
    report.suppressed_complementary = n_sup - report.suppressed_primary;
    let published = rows(states, &sups, &all, opts, &mut report);
    Decided { published, report }
}

/// The rows of a decided release: published cells, suppressed cells of
/// public domains (marked), zero rows; in order.
fn rows(
    states: &[State],
    sups: &[Suppressor<'_>],
    all: &[BTreeMap<(i64, Dim), Vec<Key<'_>>>],
    opts: &Options,
    report: &mut Report,
) -> Vec<Published> {
    let mut published = Vec::new();
    for ((state, sup), tables) in states.iter().zip(sups).zip(all) {
        for ((_, dim), cells) in tables {
            for k in cells {
                let mut p = exact(state.window, k, sup.cell(k));
                if sup.suppressed.contains(k) {
                    if opts.domain(*dim).is_none() && !dim.values_are_public() {
                        continue;
                    }
                    p = p.suppress();
                }
                published.push(p);
            }
        }
        report.zero_rows += zero_rows(state, tables, opts, &mut published);
    }
    sort_rows(&mut published, opts);
    report.published = published.iter().filter(|p| !p.suppressed).count() as u64;
    published
}

/// Rows of zero for the public values without data in a window (record
/// tables in windows with records, meeting tables in every window when the
/// run has meetings).
fn zero_rows(
    state: &State,
    tables: &BTreeMap<(i64, Dim), Vec<Key<'_>>>,
    opts: &Options,
    out: &mut Vec<Published>,
) -> u64 {
    let windows: BTreeSet<i64> = tables.keys().map(|k| k.0).collect();
    let meetings = tables.keys().any(|k| k.1.is_meeting());
    let mut n = 0;
    for w in windows {
        for dim in super::state::DIMS {
            let has_records = state.cell(w, Dim::Total, "all").is_some();
            if !opts.wanted(dim)
                || !(if dim.is_meeting() {
                    meetings
                } else {
                    has_records
                })
            {
                continue;
            }
            let Some(domain) = opts.domain(dim) else {
                continue;
            };
            for v in domain {
                if state.cell(w, dim, v).is_none() {
                    let mut p = exact(state.window, &(w, dim, v), &Cell::default());
                    if !dim.is_meeting() {
                        (p.minutes, p.participants, p.peak) = (None, None, None);
                    }
                    out.push(p);
                    n += 1;
                }
            }
        }
    }
    n
}

/// Orders rows by window length, window, dimension, then a public
/// domain's own order (hours, weekdays), else the value.
fn sort_rows(rows: &mut [Published], opts: &Options) {
    let domains: HashMap<Dim, HashMap<String, usize>> = super::state::DIMS
        .into_iter()
        .filter_map(|d| {
            let dom = opts.domain(d)?;
            Some((
                d,
                dom.into_iter()
                    .enumerate()
                    .map(|(i, v)| (v.to_string(), i))
                    .collect(),
            ))
        })
        .collect();
    let rank = |p: &Published| {
        domains
            .get(&p.dim)
            .and_then(|m| m.get(&p.value))
            .copied()
            .unwrap_or(usize::MAX)
    };
    rows.sort_by(|a, b| {
        (a.len, a.window, a.dim, rank(a), &a.value).cmp(&(
            b.len,
            b.window,
            b.dim,
            rank(b),
            &b.value,
        ))
    });
}

/// A cell of the audit: (state index, window, dimension, value).
type AuditKey<'a> = (usize, i64, Dim, &'a str);

/// The linear system of the whole release (see [`audit`]): every cell of
/// every state, with the equations an attacker knows: each table of a
/// window adds up to its `total` (meeting tables to `bbb_meetings`), each
/// exact parent is the sum of its events, and each cell of a longer window
/// is the sum of the same value's cells in the shortest windows it holds.
/// A window's total is in the system even when its table is not released
/// (it is then suppressed).
fn system<'a>(
    states: &'a [State],
    all: &[BTreeMap<(i64, Dim), Vec<Key<'a>>>],
    groups: &[Vec<(Key<'a>, Vec<Key<'a>>)>],
    sups: &[Suppressor<'a>],
) -> (System, HashMap<AuditKey<'a>, usize>) {
    let mut sys = System::default();
    let mut ids: HashMap<AuditKey<'a>, usize> = HashMap::new();
    for (li, (state, tables)) in states.iter().zip(all).enumerate() {
        let mut add = |k: Key<'a>, hidden: bool, sys: &mut System| {
            let c = state.cell(k.0, k.1, k.2).expect("a listed cell");
            let sup = hidden || sups[li].suppressed.contains(&k);
            let total = matches!(k.1, Dim::Total | Dim::BbbMeetings);
            let cost = if total { u64::MAX } else { c.events };
            let id = sys.add_cell(c.events, c.users.len() as u64, sup, cost);
            ids.insert((li, k.0, k.1, k.2), id);
        };
        for k in tables.values().flatten() {
            add(*k, false, &mut sys);
        }
        let windows: BTreeSet<i64> = tables.keys().map(|t| t.0).collect();
        for &w in &windows {
            for (dim, v) in [(Dim::Total, "all"), (Dim::BbbMeetings, "all")] {
                if !tables.contains_key(&(w, dim)) && state.cell(w, dim, v).is_some() {
                    add((w, dim, v), true, &mut sys);
                }
            }
        }
        let hidden = hidden_margins(state, tables);
        for k in hidden {
            add(k, true, &mut sys);
        }
        for (&(w, dim), cells) in tables {
            let parent = match dim {
                Dim::Total | Dim::BbbMeetings => continue,
                d if d.is_meeting() => (li, w, Dim::BbbMeetings, "all"),
                _ => (li, w, Dim::Total, "all"),
            };
            let Some(&p) = ids.get(&parent) else { continue };
            let mut rel = vec![(p, -1)];
            rel.extend(cells.iter().map(|k| (ids[&(li, k.0, k.1, k.2)], 1)));
            sys.relations.push(rel);
        }
        for (p, children) in &groups[li] {
            let mut rel = vec![(ids[&(li, p.0, p.1, p.2)], -1)];
            rel.extend(children.iter().map(|k| (ids[&(li, k.0, k.1, k.2)], 1)));
            sys.relations.push(rel);
        }
        margin_relations(li, tables, &ids, &mut sys);
    }
    week_relations(states, &ids, &mut sys);
    window_relations(states, &ids, &mut sys);
    (sys, ids)
}

/// The margins of a state's cross-tabulations whose own tables are not
/// released: they are in the system as hidden cells, since the attacker may
/// know them from elsewhere (a week's records from the days' totals).
fn hidden_margins<'a>(
    state: &'a State,
    tables: &BTreeMap<(i64, Dim), Vec<Key<'a>>>,
) -> BTreeSet<Key<'a>> {
    let mut hidden = BTreeSet::new();
    for (&(w, dim), cells) in tables {
        for &(target, part) in dim.margins() {
            if tables.contains_key(&(w, target)) {
                continue;
            }
            let Some(table) = state.cells.get(&(w, target)) else {
                continue;
            };
            for k in cells {
                if let Some((v, _)) = part.of(k.2).and_then(|v| table.get_key_value(v)) {
                    hidden.insert((w, target, v.as_str()));
                }
            }
        }
    }
    hidden
}

/// A cross-tabulation adds up to its margins: the cells `5|...` of a window
/// to course 5, the cells `...|quiz` to activity quiz.
fn margin_relations(
    li: usize,
    tables: &BTreeMap<(i64, Dim), Vec<Key<'_>>>,
    ids: &HashMap<AuditKey<'_>, usize>,
    sys: &mut System,
) {
    for (&(w, dim), cells) in tables {
        for &(target, part) in dim.margins() {
            let mut by: BTreeMap<&str, Vec<(usize, i8)>> = BTreeMap::new();
            for k in cells {
                if let Some(v) = part.of(k.2) {
                    by.entry(v)
                        .or_default()
                        .push((ids[&(li, k.0, k.1, k.2)], 1));
                }
            }
            for (v, mut rel) in by {
                if let Some(&m) = ids.get(&(li, w, target, v)) {
                    rel.push((m, -1));
                    sys.relations.push(rel);
                }
            }
        }
    }
}

/// Each cell of a longer window is the sum of the same value's cells in the
/// shortest windows it holds.
fn window_relations(states: &[State], ids: &HashMap<AuditKey<'_>, usize>, sys: &mut System) {
    let Some(short) = states.first() else {
        return;
    };
    let step = short.window as i64;
    for (li, state) in states.iter().enumerate().skip(1) {
        let coarse: Vec<AuditKey<'_>> = ids.keys().filter(|k| k.0 == li).copied().collect();
        for k in coarse {
            let mut rel = vec![(ids[&k], -1)];
            let mut w = k.1;
            while w < k.1 + state.window as i64 {
                if let Some(&id) = ids.get(&(0, w, k.2, k.3)) {
                    rel.push((id, 1));
                }
                w += step;
            }
            sys.relations.push(rel);
        }
    }
}

/// Each week cell of each window length is the sum of the totals of the
/// shortest windows in that week and window, when the shortest windows
/// divide a week (they are aligned on Mondays like weeks).
fn week_relations(states: &[State], ids: &HashMap<AuditKey<'_>, usize>, sys: &mut System) {
    const WEEK: i64 = 604_800;
    let Some(short) = states.first() else { return };
    let step = short.window as i64;
    if WEEK % step != 0 {
        return;
    }
    let mut weeks: Vec<(&AuditKey<'_>, usize)> = ids
        .iter()
        .filter(|(k, _)| k.2 == Dim::Week)
        .map(|(k, &id)| (k, id))
        .collect();
    weeks.sort_unstable();
    for (k, id) in weeks {
        let Some(start) = week_start(k.3) else {
            continue;
        };
        let len = states[k.0].window as i64;
        let (from, to) = (start.max(k.1), (start + WEEK).min(k.1 + len));
        let mut rel = vec![(id, -1)];
        let mut d = from;
        while d < to {
            if let Some(&t) = ids.get(&(0, d, Dim::Total, "all")) {
                rel.push((t, 1));
            }
            d += step;
        }
        sys.relations.push(rel);
    }
}

/// The first second of a week written `2026-03-30`.
fn week_start(v: &str) -> Option<i64> {
    let mut p = v.splitn(3, '-').map(str::parse::<u32>);
    let (y, m, d) = (p.next()?.ok()?, p.next()?.ok()?, p.next()?.ok()?);
    Some(crate::time::days_from_civil(i64::from(y), m, d) * 86_400)
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

fn exact(len: u64, k: &Key<'_>, c: &Cell) -> Published {
    let meeting = k.1.is_meeting();
    Published {
        len,
        window: k.0,
        dim: k.1,
        value: k.2.to_string(),
        suppressed: false,
        events: c.events,
        users: c.users.len() as u64,
        minutes: meeting.then_some(c.minutes),
        participants: meeting.then_some(c.participants),
        peak: meeting.then_some(c.peak),
    }
}

impl Published {
    /// The same row with its numbers withheld.
    fn suppress(self) -> Published {
        Published {
            suppressed: true,
            events: 0,
            users: 0,
            minutes: None,
            participants: None,
            peak: None,
            ..self
        }
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

/// What consistency the noisy tables are given (README says how it biases
/// them).
pub const POST_PROCESSING: &str = "noisy counts rounded to integers, negative counts set to 0, \
     events raised to users where fewer";

/// The Laplace threshold that keeps a value contributed by one user out of
/// a table with probability 1 − `delta_table`, where each user touches at
/// most `l` values: P(1 + Lap(b) ≥ τ) = ½ exp(−(τ − 1) ÷ b) per value.
pub fn selection_threshold(b: f64, l: usize, delta_table: f64) -> f64 {
    1.0 + b * (l as f64 / (2.0 * delta_table)).ln().max(0.0)
}

/// One table's cells with each user's contribution bounded: (value, users,
/// events), users keeping the `l` cells with the smallest hash of (user,
/// value) and at most `c_max` events per cell. Anonymous events cannot be
/// bounded per person and are left out.
fn bounded<'a>(state: &State, cells: &[Key<'a>], l: usize, c_max: u64) -> Vec<(&'a str, u64, u64)> {
    let mut per_user: BTreeMap<u64, Vec<(u64, usize)>> = BTreeMap::new();
    for (i, k) in cells.iter().enumerate() {
        let c = state.cell(k.0, k.1, k.2).expect("a listed cell");
        for u in c.users.keys() {
            per_user
                .entry(*u)
                .or_default()
                .push((foldhash_mix(*u, k.2), i));
        }
    }
    let mut kept: BTreeSet<(usize, u64)> = BTreeSet::new();
    for (u, mut v) in per_user {
        v.sort_unstable();
        for (_, i) in v.into_iter().take(l) {
            kept.insert((i, u));
        }
    }
    cells
        .iter()
        .enumerate()
        .map(|(i, k)| {
            let c = state.cell(k.0, k.1, k.2).expect("a listed cell");
            let (mut users, mut events) = (0, 0);
            for (u, n) in &c.users {
                if kept.contains(&(i, *u)) {
                    users += 1;
                    events += (*n).min(c_max);
                }
            }
            (k.2, users, events)
        })
        .collect()
}

/// Every table of every wanted dimension of every window, with or without
/// data in it: each is a query (the window range is taken as public).
fn dp_tables(all: &[BTreeMap<(i64, Dim), Vec<Key<'_>>>], opts: &Options) -> Vec<(usize, i64, Dim)> {
    let mut tables = Vec::new();
    for (li, t) in all.iter().enumerate() {
        let windows: BTreeSet<i64> = t.keys().map(|k| k.0).collect();
        for w in windows {
            for dim in super::state::DIMS {
                if opts.wanted(dim) {
                    tables.push((li, w, dim));
                }
            }
        }
    }
    tables
}

/// The guarantee and its parameters for these tables.
fn dp_report(tables: &[(usize, i64, Dim)], opts: &Options, eps: f64) -> DpReport {
    let n = tables.len().max(1) as f64;
    let data_tables = tables
        .iter()
        .filter(|t| opts.domain(t.2).is_none())
        .count()
        .max(1);
    let l = opts.max_cells.max(1);
    let c_max = opts.max_events.max(1);
    let eps_t = eps / n;
    let b_users = l as f64 / (eps_t / 2.0);
    let delta_t = opts.delta / data_tables as f64;
    DpReport {
        epsilon: eps,
        delta: opts.delta,
        unit: "one user (all records of one user key); records without a user are left out",
        max_cells_per_user_and_table: l,
        max_events_per_user_and_cell: c_max,
        tables: tables.len() as u64,
        epsilon_per_table: eps_t,
        users_noise_scale: b_users,
        events_noise_scale: (l as u64 * c_max) as f64 / (eps_t / 2.0),
        data_tables: data_tables as u64,
        delta_per_data_table: delta_t,
        selection_threshold: selection_threshold(b_users, l, delta_t),
        post_processing: POST_PROCESSING,
    }
}

fn noisy(
    states: &[State],
    all: &[BTreeMap<(i64, Dim), Vec<Key<'_>>>],
    opts: &Options,
    eps: f64,
    mut report: Report,
) -> Decided {
    let tables = dp_tables(all, opts);
    let dp = dp_report(&tables, opts, eps);
    let (b_users, b_events, tau) = (
        dp.users_noise_scale,
        dp.events_noise_scale,
        dp.selection_threshold,
    );
    let (l, c_max) = (
        dp.max_cells_per_user_and_table,
        dp.max_events_per_user_and_cell,
    );
    report.tables = tables.len() as u64;
    report.differential_privacy = Some(dp);
    let mut noise = match opts.seed {
        Some(s) => Noise(s),
        None => Noise::new(),
    };
    let empty = Vec::new();
    let mut published = Vec::new();
    for (li, w, dim) in tables {
        let state = &states[li];
        let cells = all[li].get(&(w, dim)).unwrap_or(&empty);
        let counts = bounded(state, cells, l, c_max);
        let domain = opts.domain(dim);
        let rows: Vec<(&str, u64, u64)> = match &domain {
            Some(dom) => dom
                .iter()
                .map(|v| {
                    counts
                        .iter()
                        .find(|c| c.0 == *v)
                        .copied()
                        .unwrap_or((v, 0, 0))
                })
                .collect(),
            None => counts,
        };
        for (v, users, events) in rows {
            let nu = users as f64 + noise.laplace(b_users);
            let ne = events as f64 + noise.laplace(b_events);
            if domain.is_none() && (nu < tau || nu < opts.min_users as f64) {
                report.suppressed_primary += 1;
                continue;
            }
            let round = |x: f64| x.round().max(0.0) as u64;
            let users = round(nu);
            published.push(Published {
                len: state.window,
                window: w,
                dim,
                value: v.to_string(),
                suppressed: false,
                events: round(ne).max(users),
                users,
                minutes: None,
                participants: None,
                peak: None,
            });
        }
    }
    sort_rows(&mut published, opts);
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
            let c = s.cell_mut(*w * 604_800, DIMS[1 + *d % 10], &format!("v{v}"));
            for u in users {
                *c.users.entry(*u).or_default() += 1;
                c.events += 1;
            }
            c.events += anon;
        }
        s
    }

    fn check_rules(s: &State, d: &Decided, k: u64) {
        let shown: Vec<&Published> = d
            .published
            .iter()
            .filter(|p| !p.suppressed && p.events > 0)
            .collect();
        let published: HashSet<(i64, Dim, String)> = shown
            .iter()
            .map(|p| (p.window, p.dim, p.value.clone()))
            .collect();
        for p in shown {
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
        let d = decide(std::slice::from_ref(&s), &Options::default());
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
        let d = decide(std::slice::from_ref(&s), &Options::default());
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
        let d = decide(std::slice::from_ref(&s), &Options::default());
        check_rules(&s, &d, 5);
        let has = |dim: Dim, v: &str| {
            d.published
                .iter()
                .any(|p| p.dim == dim && p.value == v && !p.suppressed)
        };
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
        let d = decide(std::slice::from_ref(&s), &opts);
        let dp = d.report.differential_privacy.unwrap();
        assert_eq!(dp.epsilon, 1.0);
        assert!(d
            .published
            .iter()
            .filter(|p| p.dim.public_domain().is_none())
            .all(|p| p.users >= 5));
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
            let d = decide(std::slice::from_ref(&s), &Options { min_users: k, ..Options::default() });
            check_rules(&s, &d, k);
        }
    }
}

#[cfg(test)]
mod dp_tests {
    use super::*;
    use crate::stats::state::State;

    /// A window with a big course and a course of one user.
    fn with_lonely_course() -> State {
        let mut s = State::new(604_800);
        for u in 0..400 {
            s.add_record(10, Some(u), &[(Dim::Course, "big")]);
        }
        s.add_record(10, Some(9_999), &[(Dim::Course, "lonely")]);
        s
    }

    #[test]
    fn a_value_of_one_user_appears_at_most_with_the_claimed_delta() {
        // δ is set high so that the rate can be measured: the claim is per
        // data table, δ ÷ data tables, for one user's value, at most
        // ½ exp(−(τ − 1) ÷ b) ≤ δ_table ÷ max_cells.
        let s = with_lonely_course();
        let runs = 4000;
        let mut seen = 0;
        let mut dp = None;
        for seed in 0..runs {
            let opts = Options {
                epsilon: Some(15.0),
                delta: 0.3,
                dims: Some(vec![Dim::Course]),
                min_users: 1,
                seed: Some(seed * 7919 + 1),
                ..Options::default()
            };
            let d = decide(std::slice::from_ref(&s), &opts);
            seen += u64::from(d.published.iter().any(|p| p.value == "lonely"));
            dp = d.report.differential_privacy;
        }
        let dp = dp.unwrap();
        assert_eq!(dp.data_tables, 1);
        let claimed = dp.delta_per_data_table / dp.max_cells_per_user_and_table as f64;
        let rate = seen as f64 / runs as f64;
        // Three standard deviations above the claim.
        let sd = (claimed * (1.0 - claimed) / runs as f64).sqrt();
        assert!(
            rate <= claimed + 3.0 * sd,
            "rate {rate} > claimed {claimed}"
        );
        assert!(seen > 0, "δ this large is reached now and then");
    }

    #[test]
    fn noise_has_the_documented_scale_and_public_values_always_appear() {
        let s = with_lonely_course();
        let mut abs = 0.0;
        let runs = 3000;
        let mut scale = 0.0;
        for seed in 0..runs {
            let opts = Options {
                epsilon: Some(2.0),
                dims: Some(vec![Dim::Total, Dim::Weekday]),
                seed: Some(seed),
                ..Options::default()
            };
            let d = decide(std::slice::from_ref(&s), &opts);
            // Every weekday, with records or not, plus the total.
            assert_eq!(d.published.len(), 8);
            let dp = d.report.differential_privacy.unwrap();
            scale = dp.users_noise_scale;
            let sat = d
                .published
                .iter()
                .find(|p| p.dim == Dim::Weekday && p.value == "Sat")
                .unwrap();
            // Saturday has no records: its noisy users are |Lap(b)| or 0
            // after clamping; E[max(0, Lap(b))] = b ÷ 2.
            abs += sat.users as f64;
            assert!(d.published.iter().all(|p| p.events >= p.users));
        }
        // b = max_cells ÷ (ε ÷ tables ÷ 2) = 4 ÷ (2 ÷ 2 ÷ 2) = 8.
        assert_eq!(scale, 8.0);
        let mean = abs / runs as f64;
        assert!((mean - scale / 2.0).abs() < 0.5, "mean {mean}");
    }
}
