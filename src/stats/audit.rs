//! The disclosure audit of a whole release: every published and suppressed
//! cell of every table of the run as one linear system, the question "what
//! can an attacker who knows every published number and every relation
//! between cells learn about a suppressed one?", and further suppression
//! until the answer is "not enough".
//!
//! The model, as statistical offices audit cell suppression: each cell is a
//! variable (its event count); each relation the attacker knows is a linear
//! equation over cells (a table adds up to its window's total, a parent
//! cell is the sum of its children, a long window is the sum of the short
//! windows it is made of). Published cells are constants. For a suppressed
//! cell the attacker's knowledge is the interval `[lo, hi]` of values the
//! cell can take in a solution of the equations with every suppressed cell
//! at least 1 (it exists), found with two linear programs over the
//! suppressed cells connected to it (the `microlp` solver).
//!
//! A suppressed cell that describes between 1 and K−1 users is *protected*
//! when `hi − lo ≥ max(K, ⌈v ÷ 5⌉)` for its true count `v` (a protection
//! interval of at least K events or 20 %). An unprotected cell makes the
//! auditor suppress one more cell — the published cell of least cost that
//! shares an equation with it (then with any cell of its connected part) —
//! and check again. Suppressing more only widens every interval, so each
//! cell is checked until it holds and never again.
//!
//! This module owns the linear system and the search; which cells and
//! equations a release has is the caller's (`privacy`).

use std::collections::{HashSet, VecDeque};

/// The linear system of a release.
#[derive(Debug, Clone, Default)]
pub struct System {
    /// Each cell's true count (events).
    pub values: Vec<u64>,
    /// Each cell's distinct users (what makes a cell sensitive).
    pub users: Vec<u64>,
    /// Whether each cell is suppressed (it is published otherwise).
    pub suppressed: Vec<bool>,
    /// Cost of suppressing a published cell (smaller first).
    pub cost: Vec<u64>,
    /// Equations: Σ coefficient × cell = 0.
    pub relations: Vec<Vec<(usize, i8)>>,
    /// The most work the audit may do (see [`AuditReport::work`]); `0`
    /// means no limit. Counted, not timed, so the same input always gives
    /// the same release.
    pub budget: u64,
}

/// The default of [`System::budget`]: about a minute of solving on one
/// core (the attack tests need well under a hundredth of it).
pub const DEFAULT_BUDGET: u64 = 2_000_000_000;

/// What the audit found and did (for the metadata file).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct AuditReport {
    /// Cells in the system.
    pub cells: u64,
    /// Equations in the system.
    pub equations: u64,
    /// Suppressed cells with between 1 and K−1 users, each checked.
    pub sensitive_cells: u64,
    /// Of those, how many were determined within the protection interval
    /// by the tables before the audit suppressed more.
    pub found_determined: u64,
    /// Cells the audit suppressed in addition.
    pub suppressed_by_audit: u64,
    /// Sensitive cells that no further suppression could protect (their
    /// whole connected part is suppressed, or the budget ran out before
    /// they were checked); a release with any is not published.
    pub unprotected: u64,
    /// Linear programs solved.
    pub linear_programs: u64,
    /// Work done: the sum over the programs of variables × equations.
    pub work: u64,
    /// The budget ran out before every sensitive cell was checked: those
    /// left are counted as unprotected, and the release must not be
    /// published.
    pub budget_exhausted: bool,
    /// The rule.
    pub protection: &'static str,
}

/// The rule in words (also in README).
pub const PROTECTION: &str = "every suppressed cell with 1 to K-1 users has a feasible interval \
     [lo, hi] (linear programming over all tables of the run, suppressed cells >= 1) with \
     hi - lo >= max(K, ceil(events / 5))";

/// The interval a cell's protection needs, for its true count `v`.
pub fn required_width(v: u64, k: u64) -> u64 {
    k.max(v.div_ceil(5))
}

impl System {
    /// Adds a cell; returns its index.
    pub fn add_cell(&mut self, events: u64, users: u64, suppressed: bool, cost: u64) -> usize {
        self.values.push(events);
        self.users.push(users);
        self.suppressed.push(suppressed);
        self.cost.push(cost);
        self.values.len() - 1
    }

    /// The feasible interval of suppressed cell `c` given everything
    /// published (`None`: the solver failed, taken as not protected).
    /// `need` lets it stop after one program when the upper side suffices.
    pub fn interval(
        &self,
        c: usize,
        by_cell: &[Vec<usize>],
        need: Option<u64>,
        lps: &mut u64,
    ) -> Option<(f64, f64)> {
        let mut work = 0;
        self.interval_counted(c, by_cell, need, lps, &mut work)
    }

    /// [`System::interval`], adding its work (variables × equations per
    /// program) to `work`.
    fn interval_counted(
        &self,
        c: usize,
        by_cell: &[Vec<usize>],
        need: Option<u64>,
        lps: &mut u64,
        work: &mut u64,
    ) -> Option<(f64, f64)> {
        let (vars, rels) = self.component(c, by_cell);
        let size = (vars.len() as u64).saturating_mul(rels.len() as u64);
        let solve = |dir| -> Option<f64> {
            use microlp::{ComparisonOp, OptimizationDirection, Problem};
            let mut p = Problem::new(dir);
            let x: Vec<microlp::Variable> = vars
                .iter()
                .map(|&v| p.add_var(if v == c { 1.0 } else { 0.0 }, (1.0, f64::INFINITY)))
                .collect();
            let index = |v: usize| vars.binary_search(&v).ok();
            for r in &rels {
                let mut terms = Vec::new();
                let mut rhs = 0.0;
                for &(cell, coef) in &self.relations[*r] {
                    match index(cell) {
                        Some(i) => terms.push((x[i], f64::from(coef))),
                        None => rhs -= f64::from(coef) * self.values[cell] as f64,
                    }
                }
                p.add_constraint(terms.as_slice(), ComparisonOp::Eq, rhs);
            }
            match p.solve() {
                Ok(out) => out.solution().map(|s| s.objective()),
                Err(microlp::Error::Unbounded) => Some(match dir {
                    OptimizationDirection::Maximize => f64::INFINITY,
                    OptimizationDirection::Minimize => f64::NEG_INFINITY,
                }),
                Err(_) => None,
            }
        };
        *lps += 1;
        *work = work.saturating_add(size);
        let hi = solve(microlp::OptimizationDirection::Maximize)?;
        let v = self.values[c] as f64;
        if need.is_some_and(|w| hi - v >= w as f64) {
            return Some((v, hi));
        }
        *lps += 1;
        *work = work.saturating_add(size);
        let lo = solve(microlp::OptimizationDirection::Minimize)?;
        Some((lo, hi))
    }

    /// The suppressed cells connected to `c` through equations (sorted),
    /// and those equations.
    fn component(&self, c: usize, by_cell: &[Vec<usize>]) -> (Vec<usize>, Vec<usize>) {
        let mut seen: HashSet<usize> = HashSet::from([c]);
        let mut rels: HashSet<usize> = HashSet::new();
        let mut queue = VecDeque::from([c]);
        while let Some(v) = queue.pop_front() {
            for &r in &by_cell[v] {
                if !rels.insert(r) {
                    continue;
                }
                for &(u, _) in &self.relations[r] {
                    if self.suppressed[u] && seen.insert(u) {
                        queue.push_back(u);
                    }
                }
            }
        }
        let mut vars: Vec<usize> = seen.into_iter().collect();
        vars.sort_unstable();
        let mut rels: Vec<usize> = rels.into_iter().collect();
        rels.sort_unstable();
        (vars, rels)
    }

    /// The equations around `c` by distance: first `c`'s own, then those of
    /// the suppressed cells they hold, and so on.
    fn layers(&self, c: usize, by_cell: &[Vec<usize>]) -> Vec<Vec<usize>> {
        let mut seen_rel: HashSet<usize> = HashSet::new();
        let mut seen_var: HashSet<usize> = HashSet::from([c]);
        let mut frontier = vec![c];
        let mut out = Vec::new();
        while !frontier.is_empty() {
            let mut layer: Vec<usize> = Vec::new();
            for v in frontier.drain(..) {
                layer.extend(by_cell[v].iter().filter(|&&r| seen_rel.insert(r)));
            }
            layer.sort_unstable();
            for &r in &layer {
                for &(u, _) in &self.relations[r] {
                    if self.suppressed[u] && seen_var.insert(u) {
                        frontier.push(u);
                    }
                }
            }
            if !layer.is_empty() {
                out.push(layer);
            }
        }
        out
    }

    /// The published cells to suppress next, one in each equation of
    /// `layer` that has one: the least costly that widens an interval by
    /// `need` on its own (a suppressed cell is at least 1, so a cell of `v`
    /// events adds `v − 1` of slack), else the one that adds the most.
    fn candidates(&self, layer: &[usize], need: u64) -> Vec<usize> {
        let best = |r: usize| {
            self.relations[r]
                .iter()
                .map(|&(u, _)| u)
                .filter(|&u| !self.suppressed[u])
                .min_by_key(|&u| {
                    let v = self.values[u];
                    let enough = v > need;
                    (!enough, if enough { self.cost[u] } else { u64::MAX - v }, u)
                })
        };
        let mut out: Vec<usize> = layer.iter().filter_map(|&r| best(r)).collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Suppresses further until every sensitive cell (suppressed, with 1 to
    /// `k`−1 users) is protected; returns what was done.
    pub fn protect(&mut self, k: u64) -> AuditReport {
        let n = self.values.len();
        let mut by_cell: Vec<Vec<usize>> = vec![Vec::new(); n];
        for (r, rel) in self.relations.iter().enumerate() {
            for &(u, _) in rel {
                by_cell[u].push(r);
            }
        }
        let mut report = AuditReport {
            cells: n as u64,
            equations: self.relations.len() as u64,
            protection: PROTECTION,
            ..AuditReport::default()
        };
        let mut sensitive: Vec<usize> = (0..n)
            .filter(|&c| self.suppressed[c] && self.users[c] > 0 && self.users[c] < k)
            .collect();
        sensitive.sort_by_key(|&c| (self.values[c], c));
        report.sensitive_cells = sensitive.len() as u64;
        let left = sensitive.len() as u64;
        for (done, c) in sensitive.into_iter().enumerate() {
            if self.budget > 0 && report.work >= self.budget {
                report.budget_exhausted = true;
                report.unprotected += left - done as u64;
                break;
            }
            let need = required_width(self.values[c], k);
            let mut first = true;
            // Widen the search when suppressing near `c` does not help: the
            // equation that pins it may be further away.
            let mut depth = 0;
            let mut prev = None;
            loop {
                let iv = self.interval_counted(
                    c,
                    &by_cell,
                    Some(need),
                    &mut report.linear_programs,
                    &mut report.work,
                );
                if iv.is_some_and(|(lo, hi)| hi - lo >= need as f64 - 1e-6) {
                    break;
                }
                if first {
                    report.found_determined += 1;
                    first = false;
                } else if iv.is_some() && iv == prev {
                    depth += 1;
                }
                prev = iv;
                let layers = self.layers(c, &by_cell);
                let more = loop {
                    let Some(layer) = layers.get(depth) else {
                        break Vec::new();
                    };
                    let more = self.candidates(layer, need);
                    if !more.is_empty() {
                        break more;
                    }
                    depth += 1;
                };
                if more.is_empty() {
                    report.unprotected += 1;
                    break;
                }
                for u in more {
                    self.suppressed[u] = true;
                    report.suppressed_by_audit += 1;
                }
            }
        }
        report
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A table of cells adding up to a published total.
    fn table(values: &[(u64, u64, bool)]) -> System {
        let mut s = System::default();
        let total: u64 = values.iter().map(|v| v.0).sum();
        let t = s.add_cell(total, 100, false, u64::MAX);
        let mut rel = vec![(t, -1)];
        for &(v, u, sup) in values {
            rel.push((s.add_cell(v, u, sup, v), 1));
        }
        s.relations.push(rel);
        s
    }

    #[test]
    fn a_lone_suppressed_cell_is_found_and_a_partner_suppressed() {
        let mut s = table(&[(50, 20, false), (30, 10, false), (3, 2, true)]);
        let r = s.protect(5);
        assert_eq!(r.sensitive_cells, 1);
        assert_eq!(r.found_determined, 1);
        assert_eq!(r.suppressed_by_audit, 1);
        // The smaller published cell went with it.
        assert!(s.suppressed[2] && !s.suppressed[1]);
        assert_eq!(r.unprotected, 0);
    }

    #[test]
    fn nested_sums_are_seen_together() {
        // Total 100 = a + b + c (published a); parent p = b + c published:
        // b, c suppressed protect each other in the table, but p − b... b
        // and c are both unknown: x_b + x_c = 40 = p, width 38: protected.
        // With b = 2 of 1 user and c published, the parent gives b exactly.
        let mut s = table(&[(60, 30, false), (2, 1, true), (38, 9, true)]);
        let p = s.add_cell(40, 10, false, 40);
        s.relations.push(vec![(p, -1), (2, 1), (3, 1)]);
        let r = s.protect(5);
        assert_eq!(r.found_determined, 0, "{r:?}");
        // Now publish c: b = p − c = total − a − c.
        let mut s = table(&[(60, 30, false), (2, 1, true), (38, 9, false)]);
        let p = s.add_cell(40, 10, false, 40);
        s.relations.push(vec![(p, -1), (2, 1), (3, 1)]);
        let r = s.protect(5);
        assert_eq!(r.found_determined, 1);
        let (lo, hi) = s.interval(2, &by_cell(&s), None, &mut 0).unwrap();
        assert!(hi - lo >= 5.0, "{lo}..{hi}");
    }

    fn by_cell(s: &System) -> Vec<Vec<usize>> {
        let mut b = vec![Vec::new(); s.values.len()];
        for (r, rel) in s.relations.iter().enumerate() {
            for &(u, _) in rel {
                b[u].push(r);
            }
        }
        b
    }

    #[test]
    fn bounds_count_too() {
        // Two suppressed cells of 1 event each in a known total: each is at
        // least 1, so both are exactly 1.
        let mut s = table(&[(50, 20, false), (1, 1, true), (1, 1, true)]);
        let (lo, hi) = s.interval(2, &by_cell(&s), None, &mut 0).unwrap();
        assert_eq!((lo.round(), hi.round()), (1.0, 1.0));
        let r = s.protect(5);
        assert_eq!(r.unprotected, 0);
        assert!(s.suppressed[1]);
    }
}
