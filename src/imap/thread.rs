//! THREAD (RFC 5256 §3, §4): ORDEREDSUBJECT and REFERENCES, and the `* THREAD` response.

use std::collections::HashMap;

use super::sort::{SortInfo, cmp_casemap};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThreadAlgorithm {
    OrderedSubject,
    References,
}

impl ThreadAlgorithm {
    pub fn parse(word: &str) -> Option<ThreadAlgorithm> {
        match word.to_ascii_uppercase().as_str() {
            "ORDEREDSUBJECT" => Some(ThreadAlgorithm::OrderedSubject),
            "REFERENCES" => Some(ThreadAlgorithm::References),
            _ => None,
        }
    }
}

/// One node of a thread tree: a message (index into the infos) or a dummy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    pub msg: Option<usize>,
    pub children: Vec<Node>,
}

/// Threads `infos` and renders `* THREAD ...`.
pub fn thread(infos: &[SortInfo], algorithm: ThreadAlgorithm) -> Vec<u8> {
    let roots = match algorithm {
        ThreadAlgorithm::OrderedSubject => ordered_subject(infos),
        ThreadAlgorithm::References => references(infos),
    };
    render(&roots, infos)
}

/// (sent date, mailbox order): the order of siblings (RFC 5256 §2.2, §3).
fn date_key(infos: &[SortInfo], i: usize) -> (i64, u32) {
    infos.get(i).map(|m| (m.sent, m.seq)).unwrap_or_default()
}

/// Date key of a node; a dummy uses its first child (RFC 5256 REFERENCES step 4).
fn node_key(infos: &[SortInfo], n: &Node) -> (i64, u32) {
    match n.msg {
        Some(i) => date_key(infos, i),
        None => n
            .children
            .first()
            .map(|c| node_key(infos, c))
            .unwrap_or_default(),
    }
}

/// ORDEREDSUBJECT: group by base subject; the first message (by date) is the parent of the
/// rest; threads ordered by their first message's date.
pub fn ordered_subject(infos: &[SortInfo]) -> Vec<Node> {
    let mut idx: Vec<usize> = (0..infos.len()).collect();
    idx.sort_by(|&a, &b| {
        cmp_casemap(&infos[a].base_subject, &infos[b].base_subject)
            .then(date_key(infos, a).cmp(&date_key(infos, b)))
    });
    let mut roots: Vec<Node> = Vec::new();
    let mut last_subject: Option<&str> = None;
    for i in idx {
        let subject = infos[i].base_subject.as_str();
        let node = Node {
            msg: Some(i),
            children: Vec::new(),
        };
        match (last_subject, roots.last_mut()) {
            (Some(prev), Some(root)) if cmp_casemap(prev, subject).is_eq() => {
                root.children.push(node)
            }
            _ => roots.push(node),
        }
        last_subject = Some(subject);
    }
    roots.sort_by_key(|n| node_key(infos, n));
    roots
}

/// A container of the REFERENCES algorithm (arena index based).
#[derive(Debug, Default, Clone)]
struct Container {
    msg: Option<usize>,
    parent: Option<usize>,
    children: Vec<usize>,
}

struct Arena {
    nodes: Vec<Container>,
    by_id: HashMap<String, usize>,
}

impl Arena {
    fn container(&mut self, id: &str) -> usize {
        if let Some(&c) = self.by_id.get(id) {
            return c;
        }
        self.nodes.push(Container::default());
        let c = self.nodes.len() - 1;
        self.by_id.insert(id.to_string(), c);
        c
    }

    /// Is `a` an ancestor of `b` (or `b` itself)?
    fn is_ancestor(&self, a: usize, b: usize) -> bool {
        let mut cur = Some(b);
        let mut steps = 0;
        while let Some(c) = cur {
            if c == a {
                return true;
            }
            steps += 1;
            // A loop already, or a chain so deep that walking it for every link would make
            // THREAD quadratic on a hostile mailbox: refuse the link (the message then starts
            // its own thread, and subject gathering may still join it).
            if steps > MAX_ANCESTOR_WALK {
                return true;
            }
            cur = self.nodes[c].parent;
        }
        false
    }

    fn unlink(&mut self, child: usize) {
        if let Some(p) = self.nodes[child].parent.take() {
            self.nodes[p].children.retain(|&c| c != child);
        }
    }

    fn link(&mut self, parent: usize, child: usize) {
        self.unlink(child);
        self.nodes[child].parent = Some(parent);
        self.nodes[parent].children.push(child);
    }

    /// The tree below `c`. Past `MAX_DEPTH` the rest of a subtree is flattened into one level,
    /// so that a long reply chain cannot exhaust the stack (here or when the tree is dropped).
    fn to_node(&self, c: usize, depth: usize) -> Node {
        let children = if depth < MAX_DEPTH {
            self.nodes[c]
                .children
                .iter()
                .map(|&k| self.to_node(k, depth + 1))
                .collect()
        } else {
            let mut flat = Vec::new();
            let mut stack: Vec<usize> = self.nodes[c].children.clone();
            while let Some(k) = stack.pop() {
                flat.push(Node {
                    msg: self.nodes[k].msg,
                    children: Vec::new(),
                });
                stack.extend(self.nodes[k].children.iter().copied());
            }
            flat
        };
        Node {
            msg: self.nodes[c].msg,
            children,
        }
    }
}

/// Longest parent chain followed when checking a new link for loops.
const MAX_ANCESTOR_WALK: usize = 1000;

/// Deepest thread tree kept as is.
const MAX_DEPTH: usize = 500;

/// REFERENCES (RFC 5256 §3), steps 1 to 6.
pub fn references(infos: &[SortInfo]) -> Vec<Node> {
    let mut a = Arena {
        nodes: Vec::new(),
        by_id: HashMap::new(),
    };
    // (1) Link messages and the ids they reference.
    for (i, info) in infos.iter().enumerate() {
        // (1A) A message without a Message-ID, or with one already taken, gets a unique one.
        let own = match &info.message_id {
            Some(id) if a.by_id.get(id).is_none_or(|&c| a.nodes[c].msg.is_none()) => {
                a.container(id)
            }
            _ => {
                a.nodes.push(Container::default());
                a.nodes.len() - 1
            }
        };
        a.nodes[own].msg = Some(i);
        // (1A) Chain the references, each the parent of the next, never making a loop and never
        // replacing an existing parent.
        let mut prev: Option<usize> = None;
        for r in &info.references {
            let c = a.container(r);
            if let Some(p) = prev
                && a.nodes[c].parent.is_none()
                && !a.is_ancestor(c, p)
            {
                a.link(p, c);
            }
            prev = Some(c);
        }
        // (1B) The message's parent is its last reference (replacing any guess), or none.
        match prev {
            Some(p) if p != own && !a.is_ancestor(own, p) => a.link(p, own),
            Some(_) => {}
            None => a.unlink(own),
        }
    }
    // (2) The root set.
    let mut roots: Vec<Node> = (0..a.nodes.len())
        .filter(|&c| a.nodes[c].parent.is_none())
        .map(|c| a.to_node(c, 0))
        .collect();
    // (3) Prune dummies.
    roots = prune(roots, true);
    // (4) Sort the top level by sent date (a dummy by its first child, after sorting those).
    for r in &mut roots {
        if r.msg.is_none() {
            r.children.sort_by_key(|c| node_key(infos, c));
        }
    }
    roots.sort_by_key(|n| node_key(infos, n));
    // (5) Gather top-level threads with the same base subject.
    roots = group_subjects(roots, infos);
    // (6) Sort every set of siblings by sent date.
    sort_tree(&mut roots, infos, 0);
    roots
}

/// (3) Dummies without children go; a dummy's children take its place, except that a
/// top-level dummy with more than one child stays.
fn prune(nodes: Vec<Node>, top: bool) -> Vec<Node> {
    let mut out = Vec::with_capacity(nodes.len());
    for mut n in nodes {
        n.children = prune(std::mem::take(&mut n.children), false);
        if n.msg.is_some() {
            out.push(n);
        } else if n.children.is_empty() {
        } else if top && n.children.len() > 1 {
            out.push(n);
        } else {
            out.extend(n.children);
        }
    }
    out
}

/// Subject of a top-level node: its message, or a dummy's first child.
fn top_subject<'a>(n: &Node, infos: &'a [SortInfo]) -> Option<(&'a SortInfo, bool)> {
    let (i, dummy) = match n.msg {
        Some(i) => (i, false),
        None => (n.children.first()?.msg?, true),
    };
    infos.get(i).map(|m| (m, dummy))
}

/// (5) RFC 5256 REFERENCES step 5, on the date-sorted top level.
fn group_subjects(roots: Vec<Node>, infos: &[SortInfo]) -> Vec<Node> {
    // (5B) The table: base subject -> index of the chosen top-level node.
    let mut table: HashMap<String, usize> = HashMap::new();
    for (i, n) in roots.iter().enumerate() {
        let Some((m, dummy)) = top_subject(n, infos) else {
            continue;
        };
        if m.base_subject.is_empty() {
            continue;
        }
        let key = m.base_subject.to_ascii_uppercase();
        let replace = match table.get(&key) {
            None => true,
            Some(&t) => {
                let (tm, tdummy) = top_subject(&roots[t], infos).unwrap_or((m, dummy));
                // A dummy wins over a message; a non-reply over a reply.
                !tdummy && (dummy || (tm.is_reply && !m.is_reply))
            }
        };
        if replace {
            table.insert(key, i);
        }
    }
    // (5C) Merge every other node with that subject into the chosen one.
    let mut slots: Vec<Option<Node>> = roots.into_iter().map(Some).collect();
    let n = slots.len();
    for i in 0..n {
        let Some((m, dummy)) = slots[i].as_ref().and_then(|x| top_subject(x, infos)) else {
            continue;
        };
        if m.base_subject.is_empty() {
            continue;
        }
        let Some(&t) = table.get(&m.base_subject.to_ascii_uppercase()) else {
            continue;
        };
        if t == i {
            continue;
        }
        let (Some(this), Some(that)) = (slots[i].take(), slots[t].take()) else {
            continue;
        };
        let that_dummy = that.msg.is_none();
        let that_reply = that
            .msg
            .and_then(|k| infos.get(k))
            .is_some_and(|x| x.is_reply);
        let merged = if dummy && that_dummy {
            let mut that = that;
            that.children.extend(this.children);
            that
        } else if that_dummy {
            let mut that = that;
            that.children.push(this);
            that
        } else if dummy {
            let mut this = this;
            this.children.push(that);
            this
        } else if !that_reply && m.is_reply {
            let mut that = that;
            that.children.push(this);
            that
        } else if that_reply && !m.is_reply {
            let mut this = this;
            this.children.push(that);
            this
        } else {
            Node {
                msg: None,
                children: vec![that, this],
            }
        };
        slots[t] = Some(merged);
    }
    slots.into_iter().flatten().collect()
}

fn sort_tree(nodes: &mut [Node], infos: &[SortInfo], depth: usize) {
    if depth <= MAX_DEPTH + 2 {
        for n in nodes.iter_mut() {
            sort_tree(&mut n.children, infos, depth + 1);
        }
    }
    nodes.sort_by_key(|n| node_key(infos, n));
}

/// `* THREAD (2)(3 6 (4 23)(44 7 96))` (RFC 5256 §4).
pub fn render(roots: &[Node], infos: &[SortInfo]) -> Vec<u8> {
    let mut out = String::from("* THREAD");
    if !roots.is_empty() {
        out.push(' ');
    }
    for r in roots {
        out.push('(');
        write_node(&mut out, r, infos);
        out.push(')');
    }
    out.push_str("\r\n");
    out.into_bytes()
}

fn write_node(out: &mut String, n: &Node, infos: &[SortInfo]) {
    let mut node = n;
    // A chain of only children is written as a flat list: "3 6 7".
    loop {
        if let Some(m) = node.msg.and_then(|i| infos.get(i)) {
            if !out.ends_with('(') {
                out.push(' ');
            }
            out.push_str(&m.num.to_string());
        }
        match node.children.first() {
            Some(c) if node.children.len() == 1 => {
                node = c;
            }
            _ => break,
        }
    }
    // Recursion only at branches: the tree is at most MAX_DEPTH (+ dummies) deep.
    if node.children.len() > 1 {
        if node.msg.is_some() {
            out.push(' ');
        }
        for c in &node.children {
            out.push('(');
            write_node(out, c, infos);
            out.push(')');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(num: u32, sent: i64, subject: &str, id: &str, refs: &[&str]) -> SortInfo {
        let (base_subject, is_reply) = super::super::sort::base_subject(subject);
        SortInfo {
            num,
            seq: num,
            sent,
            base_subject,
            is_reply,
            message_id: (!id.is_empty()).then(|| id.to_string()),
            references: refs.iter().map(|s| s.to_string()).collect(),
            ..SortInfo::default()
        }
    }

    fn t(infos: &[SortInfo], alg: ThreadAlgorithm) -> String {
        String::from_utf8(thread(infos, alg)).unwrap()
    }

    #[test]
    fn references_basic() {
        let infos = vec![
            info(1, 10, "a", "1@x", &[]),
            info(2, 20, "Re: a", "2@x", &["1@x"]),
            info(3, 30, "Re: a", "3@x", &["1@x"]),
            info(4, 40, "Re: a", "4@x", &["1@x", "3@x"]),
            info(5, 5, "b", "5@x", &[]),
            // Parent missing: dummy 'gone@x' with two children stays at top level.
            info(6, 60, "c", "6@x", &["gone@x"]),
            info(7, 70, "d", "7@x", &["gone@x"]),
            // Same base subject, no references: gathered under "b".
            info(8, 80, "Re: b", "8@x", &[]),
        ];
        assert_eq!(
            t(&infos, ThreadAlgorithm::References),
            "* THREAD (5 8)(1 (2)(3 4))((6)(7))\r\n"
        );
        assert_eq!(
            t(&infos, ThreadAlgorithm::OrderedSubject),
            "* THREAD (5 8)(1 (2)(3)(4))(6)(7)\r\n"
        );
        assert_eq!(t(&[], ThreadAlgorithm::References), "* THREAD\r\n");
    }

    #[test]
    fn a_long_reply_chain_keeps_every_message() {
        // Each message replies to the previous one: deeper than MAX_DEPTH.
        let n = 3000u32;
        let infos: Vec<SortInfo> = (1..=n)
            .map(|i| {
                let prev = format!("{}@x", i - 1);
                let refs: Vec<&str> = if i > 1 { vec![prev.as_str()] } else { vec![] };
                info(i, i64::from(i), "chain", &format!("{i}@x"), &refs)
            })
            .collect();
        let out = t(&infos, ThreadAlgorithm::References);
        let nums: Vec<u32> = out
            .trim_start_matches("* THREAD ")
            .split(|c: char| !c.is_ascii_digit())
            .filter_map(|s| s.parse().ok())
            .collect();
        let mut sorted = nums.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (1..=n).collect::<Vec<_>>());
        // Links past MAX_ANCESTOR_WALK are refused; the pieces share a subject and are gathered.
        assert!(out.starts_with("* THREAD ((1 2 3 "), "{}", &out[..40]);
    }

    #[test]
    fn loops_and_duplicates_do_not_hang() {
        let infos = vec![
            info(1, 1, "x", "a@x", &["b@x"]),
            info(2, 2, "y", "b@x", &["a@x"]),
            info(3, 3, "z", "a@x", &["a@x"]),
            info(4, 4, "", "", &[]),
        ];
        let out = t(&infos, ThreadAlgorithm::References);
        for n in ["1", "2", "3", "4"] {
            assert!(out.contains(n), "{out}");
        }
    }
}
