//! gomega's `goraph/bipartitegraph`: the Hopcroft–Karp matching `contain-elements` and
//! `consist-of` use to pair actual values with expected matchers.
//!
//! Ported step for step (layer construction and path search orders included) because
//! *which* matchers end up unmatched is what goss prints as "the missing elements".

use std::collections::HashSet;

/// A node id: left nodes are `0..left`, right nodes `left..left + right`.
type NodeId = usize;
type Edge = (NodeId, NodeId);

pub(crate) struct BipartiteGraph {
    left: Vec<NodeId>,
    right: Vec<NodeId>,
    edges: HashSet<Edge>,
}

/// The left and right indices left unmatched by the largest matching.
pub(crate) struct FreeNodes {
    pub(crate) matched: usize,
    pub(crate) left: Vec<usize>,
    pub(crate) right: Vec<usize>,
}

impl BipartiteGraph {
    /// `neighbours(i, j)` tells whether left value `i` and right value `j` are joined.
    pub(crate) fn new(
        left: usize,
        right: usize,
        mut neighbours: impl FnMut(usize, usize) -> bool,
    ) -> Self {
        let mut edges = HashSet::new();
        for i in 0..left {
            for j in 0..right {
                if neighbours(i, j) {
                    edges.insert((i, left + j));
                }
            }
        }
        BipartiteGraph {
            left: (0..left).collect(),
            right: (left..left + right).collect(),
            edges,
        }
    }

    /// The largest matching and the nodes it leaves free, in node order.
    pub(crate) fn largest_matching(&self) -> FreeNodes {
        let mut matching: HashSet<Edge> = HashSet::new();
        loop {
            let paths = self.maximal_disjoint_slap_collection(&matching);
            if paths.is_empty() {
                break;
            }
            for path in paths {
                for edge in path {
                    if !matching.remove(&edge) {
                        matching.insert(edge);
                    }
                }
            }
        }
        let free = |node: NodeId| !matching.iter().any(|(a, b)| *a == node || *b == node);
        let offset = self.left.len();
        FreeNodes {
            matched: matching.len(),
            left: self.left.iter().copied().filter(|n| free(*n)).collect(),
            right: self
                .right
                .iter()
                .copied()
                .filter(|n| free(*n))
                .map(|n| n - offset)
                .collect(),
        }
    }

    fn has_edge(&self, a: NodeId, b: NodeId) -> Option<Edge> {
        if self.edges.contains(&(a, b)) {
            Some((a, b))
        } else if self.edges.contains(&(b, a)) {
            Some((b, a))
        } else {
            None
        }
    }

    fn maximal_disjoint_slap_collection(&self, matching: &HashSet<Edge>) -> Vec<Vec<Edge>> {
        let layers = self.guide_layers(matching);
        let Some(last) = layers.last() else {
            return Vec::new();
        };
        let mut used = HashSet::new();
        let mut result = Vec::new();
        for &start in last {
            let mut path = Vec::new();
            if self.find_disjoint_slap(
                start,
                &mut path,
                layers.len() - 1,
                matching,
                &layers,
                &mut used,
            ) {
                for (a, b) in &path {
                    used.insert(*a);
                    used.insert(*b);
                }
                result.push(path);
            }
        }
        result
    }

    fn find_disjoint_slap(
        &self,
        current: NodeId,
        path: &mut Vec<Edge>,
        level: usize,
        matching: &HashSet<Edge>,
        layers: &[Vec<NodeId>],
        used: &mut HashSet<NodeId>,
    ) -> bool {
        used.insert(current);
        if level == 0 {
            return true;
        }
        for &next in &layers[level - 1] {
            if used.contains(&next) {
                continue;
            }
            let Some(edge) = self.has_edge(current, next) else {
                continue;
            };
            // Odd levels step along edges outside the matching, even ones along matched edges.
            if matching.contains(&edge) == (level % 2 == 1) {
                continue;
            }
            path.push(edge);
            if self.find_disjoint_slap(next, path, level - 1, matching, layers, used) {
                return true;
            }
            path.pop();
        }
        used.remove(&current);
        false
    }

    fn guide_layers(&self, matching: &HashSet<Edge>) -> Vec<Vec<NodeId>> {
        let is_free = |node: NodeId| !matching.iter().any(|(a, b)| *a == node || *b == node);
        let mut used = HashSet::new();
        let mut current: Vec<NodeId> = self.left.iter().copied().filter(|n| is_free(*n)).collect();
        if current.is_empty() {
            return Vec::new();
        }
        used.extend(current.iter().copied());
        let mut layers = vec![current.clone()];
        let mut done = false;
        while !done {
            let last = std::mem::take(&mut current);
            if layers.len() % 2 == 1 {
                for &l in &last {
                    for &r in &self.right {
                        if used.contains(&r) {
                            continue;
                        }
                        match self.has_edge(l, r) {
                            Some(edge) if !matching.contains(&edge) => {}
                            _ => continue,
                        }
                        current.push(r);
                        used.insert(r);
                        if is_free(r) {
                            done = true;
                        }
                    }
                }
            } else {
                for &r in &last {
                    for &l in &self.left {
                        if used.contains(&l) {
                            continue;
                        }
                        match self.has_edge(l, r) {
                            Some(edge) if matching.contains(&edge) => {}
                            _ => continue,
                        }
                        current.push(l);
                        used.insert(l);
                    }
                }
            }
            if current.is_empty() {
                return Vec::new();
            }
            layers.push(current.clone());
        }
        layers
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicate_expectations_need_distinct_values() {
        // values g1 g2 g3 against matchers g1 g2 g2 g4: one g2 and g4 stay free.
        let values = ["g1", "g2", "g3"];
        let matchers = ["g1", "g2", "g2", "g4"];
        let g = BipartiteGraph::new(3, 4, |i, j| values[i] == matchers[j]);
        let free = g.largest_matching();
        assert_eq!(free.matched, 2);
        assert_eq!(free.right, vec![2, 3]);
        assert_eq!(free.left, vec![2]);
    }

    #[test]
    fn augmenting_paths_reassign_earlier_choices() {
        // a matches m1 and m2, b only m1: the first choice a–m1 must be undone.
        let g = BipartiteGraph::new(2, 2, |i, j| !(i == 1 && j == 1));
        let free = g.largest_matching();
        assert_eq!(free.matched, 2);
        assert!(free.left.is_empty() && free.right.is_empty());
    }
}
