//! `tf.train.Checkpoint`: object-based checkpoints in TensorFlow 2's own format.
//!
//! Saving walks the tracked objects into an object graph with named edges (attribute names,
//! list indices, map keys), numbers its nodes breadth-first from the root, and stores each
//! variable under its first breadth-first path, `net/l1/kernel/.ATTRIBUTES/VARIABLE_VALUE`,
//! with the serialized `TrackableObjectGraph` under `_CHECKPOINTABLE_OBJECT_GRAPH`. Restoring
//! walks the stored graph and ours together by edge name, so values follow the object
//! structure, never variable names. Values for variables that do not exist yet (layers built
//! on their first call, optimizer slots created on the first step) wait until
//! [`restore_deferred`] sees them created.

use super::bundle::{self, CheckpointReader};
use crate::module::{Trackable, Visitor};
use crate::proto::{fields, Enc};
use crate::{Error, Module, Result, Tensor, Variable};
use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

/// The key of the serialized object graph.
pub const OBJECT_GRAPH_KEY: &str = "_CHECKPOINTABLE_OBJECT_GRAPH";
const VALUE: &str = "VARIABLE_VALUE";

enum Kind<'a> {
    Root,
    /// A list, tuple or map on the way to an object.
    Container,
    Module(&'a dyn Module),
    Variable(Variable),
}

struct Node<'a> {
    kind: Kind<'a>,
    children: Vec<(String, usize)>,
}

/// Our side of the object graph: the checkpoint's objects and everything reachable from them.
struct Graph<'a> {
    nodes: Vec<Node<'a>>,
}

fn module_addr(m: &dyn Module) -> *const () {
    m as *const dyn Module as *const ()
}

/// Collects a module's fields as `(path, object)` pairs.
#[derive(Default)]
struct Fields<'a>(Vec<(String, Kind<'a>)>);
impl<'a> Visitor<'a> for Fields<'a> {
    fn variable(&mut self, path: String, var: &'a Variable, _: bool) {
        self.0.push((path, Kind::Variable(var.clone())));
    }
    fn module(&mut self, path: String, module: &'a dyn Module, _: bool) {
        self.0.push((path, Kind::Module(module)));
    }
}

impl<'a> Graph<'a> {
    fn new(roots: &[Root<'a>], save_counter: &Variable) -> Graph<'a> {
        let mut g = Graph {
            nodes: vec![Node {
                kind: Kind::Root,
                children: Vec::new(),
            }],
        };
        let mut f = Fields::default();
        for (_, track) in roots {
            track(&mut f);
        }
        f.0.push(("save_counter".into(), Kind::Variable(save_counter.clone())));
        g.attach(0, f.0);
        g
    }

    fn find(&self, kind: &Kind<'a>) -> Option<usize> {
        self.nodes.iter().position(|n| match (&n.kind, kind) {
            (Kind::Variable(a), Kind::Variable(b)) => a.ptr_eq(b),
            (Kind::Module(a), Kind::Module(b)) => std::ptr::addr_eq(module_addr(*a), module_addr(*b)) && a.name() == b.name(),
            _ => false,
        })
    }

    /// Adds `objects` (paths relative to `parent`) under `parent`, creating container nodes for
    /// the inner path segments and expanding modules' fields. An object seen before becomes
    /// one more edge to its existing node.
    fn attach(&mut self, parent: usize, objects: Vec<(String, Kind<'a>)>) {
        for (path, kind) in objects {
            let segs: Vec<&str> = path.split('/').collect();
            let mut at = parent;
            for s in &segs[..segs.len() - 1] {
                at = match self.nodes[at].children.iter().find(|(n, _)| n == s) {
                    Some(&(_, id)) => id,
                    None => self.push(at, s, Kind::Container),
                };
            }
            let last = segs[segs.len() - 1];
            if let Some(id) = self.find(&kind) {
                self.nodes[at].children.push((last.to_string(), id));
                continue;
            }
            let module = match kind {
                Kind::Module(m) => Some(m),
                _ => None,
            };
            let id = self.push(at, last, kind);
            if let Some(m) = module {
                let mut f = Fields::default();
                m.visit_checkpoint(&mut f);
                self.attach(id, f.0);
            }
        }
    }

    fn push(&mut self, parent: usize, name: &str, kind: Kind<'a>) -> usize {
        self.nodes.push(Node {
            kind,
            children: Vec::new(),
        });
        let id = self.nodes.len() - 1;
        self.nodes[parent].children.push((name.to_string(), id));
        id
    }

    /// A graph rooted at `module` itself (its checkpoint edges are the root's).
    fn of_module(module: &'a dyn Module) -> Graph<'a> {
        let mut g = Graph {
            nodes: vec![Node {
                kind: Kind::Module(module),
                children: Vec::new(),
            }],
        };
        let mut f = Fields::default();
        module.visit_checkpoint(&mut f);
        g.attach(0, f.0);
        g
    }

    /// Breadth-first order from the root, with each node's first path.
    fn bfs(&self) -> (Vec<usize>, Vec<String>) {
        let (order, paths) = self.bfs_from(0);
        (order, paths.into_iter().map(Option::unwrap_or_default).collect())
    }

    /// Breadth-first order from `start`, with each reachable node's first path from it.
    fn bfs_from(&self, start: usize) -> (Vec<usize>, Vec<Option<String>>) {
        let mut order = vec![start];
        let mut path = vec![None; self.nodes.len()];
        path[start] = Some(String::new());
        let mut q = VecDeque::from([start]);
        while let Some(n) = q.pop_front() {
            for (name, c) in &self.nodes[n].children {
                if path[*c].is_none() {
                    let p = path[n].as_deref().unwrap_or_default();
                    let e = escape(name);
                    path[*c] = Some(if p.is_empty() { e } else { format!("{p}/{e}") });
                    order.push(*c);
                    q.push_back(*c);
                }
            }
        }
        (order, path)
    }
}

/// TensorFlow's escaping of an edge name inside a checkpoint key.
fn escape(name: &str) -> String {
    name.replace('.', "..").replace('/', ".S")
}

fn value_key(path: &str) -> String {
    format!("{path}/.ATTRIBUTES/{VALUE}")
}

/// One node of a stored `TrackableObjectGraph`.
#[derive(Default, Debug)]
struct StoredNode {
    children: Vec<(String, usize)>,
    /// `(attribute name, checkpoint key)`.
    attributes: Vec<(String, String)>,
}

fn parse_object_graph(b: &[u8]) -> Result<Vec<StoredNode>> {
    let mut nodes = Vec::new();
    for f in fields(b) {
        let (1, n) = f? else { continue };
        let mut node = StoredNode::default();
        for g in fields(n.bytes("nodes")?) {
            match g? {
                (1, c) => {
                    let (mut id, mut name) = (0usize, String::new());
                    for h in fields(c.bytes("children")?) {
                        match h? {
                            (1, v) => id = v.int("node_id")? as usize,
                            (2, v) => name = v.string("local_name")?,
                            _ => {}
                        }
                    }
                    node.children.push((name, id));
                }
                (2, a) => {
                    let (mut name, mut key) = (String::new(), String::new());
                    for h in fields(a.bytes("attributes")?) {
                        match h? {
                            (1, v) => name = v.string("name")?,
                            (3, v) => key = v.string("checkpoint_key")?,
                            _ => {}
                        }
                    }
                    node.attributes.push((name, key));
                }
                _ => {}
            }
        }
        nodes.push(node);
    }
    if nodes.iter().flat_map(|n| &n.children).any(|&(_, id)| id >= nodes.len()) {
        return Err(Error::DataLoss("the object graph names a node that does not exist".into()));
    }
    Ok(nodes)
}

/// Values waiting for variables that do not exist yet, by (module address, path below it).
struct Deferred {
    module: String,
    key: String,
    value: Tensor,
}
static DEFERRED: Mutex<Vec<(usize, String, Deferred)>> = Mutex::new(Vec::new());
static ANY_DEFERRED: AtomicBool = AtomicBool::new(false);
/// `(module address, variables created)` when `restore_deferred` last looked under a module:
/// only a variable created since can take a waiting value, so a call with none new (a model's
/// every later forward pass) returns at once. Cleared when values start or stop waiting.
static LOOKED: Mutex<Vec<(usize, u64)>> = Mutex::new(Vec::new());

/// Restores values a checkpoint held for variables of `module` (or modules below it) that
/// did not exist when it was restored: Keras layers call this after building their weights,
/// optimizers after creating their slots. Returns how many variables were assigned.
/// Costs one atomic load when nothing waits, and a lock and a comparison when no variable
/// was created since the last call for `module`.
///
/// # Errors
/// `InvalidArgument` when a waiting value's shape or dtype does not match the new variable
/// (the value stays unassigned).
pub fn restore_deferred(module: &dyn Module) -> Result<usize> {
    if !ANY_DEFERRED.load(Ordering::Acquire) {
        return Ok(0);
    }
    let (root, created) = (module_addr(module) as usize, crate::variable::created());
    let seen = |looked: &[(usize, u64)]| looked.iter().any(|&(a, c)| a == root && c == created);
    if seen(&LOOKED.lock().unwrap_or_else(|p| p.into_inner())) {
        return Ok(0);
    }
    let mut pending = DEFERRED.lock().unwrap_or_else(|p| p.into_inner());
    let g = Graph::of_module(module);
    let mut done = 0;
    for (id, node) in g.nodes.iter().enumerate() {
        let Kind::Module(m) = node.kind else { continue };
        let (addr, name) = (module_addr(m) as usize, m.name());
        if !pending.iter().any(|(a, _, d)| *a == addr && d.module == name) {
            continue;
        }
        let (_, paths) = g.bfs_from(id);
        for (vid, vpath) in paths.iter().enumerate() {
            let (Kind::Variable(var), Some(vpath)) = (&g.nodes[vid].kind, vpath) else {
                continue;
            };
            let Some(i) = pending.iter().position(|(a, p, d)| *a == addr && p == vpath && d.module == name) else {
                continue;
            };
            let d = &pending[i].2;
            if d.value.shape() != &var.shape() || d.value.dtype() != var.dtype() {
                return Err(Error::InvalidArgument(format!(
                    "checkpoint value {:?} is {} {} but the variable {name}/{vpath} created for it is {} {}",
                    d.key,
                    d.value.dtype(),
                    d.value.shape(),
                    var.dtype(),
                    var.shape()
                )));
            }
            let d = pending.remove(i).2;
            var.assign(&d.value);
            pending.retain(|(_, _, other)| other.key != d.key);
            done += 1;
        }
    }
    let mut looked = LOOKED.lock().unwrap_or_else(|p| p.into_inner());
    if pending.is_empty() {
        looked.clear();
    } else {
        // Recorded only after a clean look: a mismatch is reported again on the next call.
        looked.retain(|&(a, _)| a != root);
        looked.push((root, created));
    }
    ANY_DEFERRED.store(!pending.is_empty(), Ordering::Release);
    Ok(done)
}

/// A named root of a checkpoint: visits what `with(name, obj)` tracks.
type Root<'a> = (String, Box<dyn Fn(&mut dyn Visitor<'a>) + 'a>);

/// `tf.train.Checkpoint(net=net, optimizer=opt, ...)`: a named set of modules, variables and
/// containers of them, saved and restored together in TensorFlow's checkpoint format.
///
/// ```
/// use tf_core as tf;
/// let dir = std::env::temp_dir().join(format!("tf-doc-ckpt-{}", std::process::id()));
/// let w = tf::Variable::new(tf::constant([1.0f32, 2.0]));
/// let ckpt = tf::train::Checkpoint::new().with("w", &w);
/// let path = ckpt.save(dir.join("ckpt"))?;
/// assert!(path.ends_with("ckpt-1"));
/// w.assign(&tf::constant([0.0f32, 0.0]));
/// ckpt.restore(&path)?.assert_consumed()?;
/// assert_eq!(w.value().to_vec::<f32>(), vec![1.0, 2.0]);
/// # std::fs::remove_dir_all(&dir).ok();
/// # Ok::<(), tf::Error>(())
/// ```
pub struct Checkpoint<'a> {
    roots: Vec<Root<'a>>,
    /// Set by [`Checkpoint::of`]: the module is the root, and there is no `save_counter` edge.
    root: Option<&'a dyn Module>,
    save_counter: Variable,
}

impl Default for Checkpoint<'_> {
    fn default() -> Self {
        Checkpoint::new()
    }
}

impl<'a> Checkpoint<'a> {
    /// A checkpoint tracking nothing yet; add objects with [`with`](Self::with).
    pub fn new() -> Checkpoint<'a> {
        Checkpoint {
            roots: Vec::new(),
            root: None,
            save_counter: Variable::with_options(crate::constant(0i64), "save_counter", false),
        }
    }

    /// A checkpoint whose root is `module` itself: its edges are the module's own (Keras's
    /// `model.save_weights` in TensorFlow format: `layer_with_weights-0/kernel/...`), with no
    /// `save_counter`.
    pub fn of(module: &'a dyn Module) -> Checkpoint<'a> {
        Checkpoint {
            root: Some(module),
            ..Checkpoint::new()
        }
    }

    fn graph(&self) -> Graph<'a> {
        match self.root {
            Some(m) => Graph::of_module(m),
            None => Graph::new(&self.roots, &self.save_counter),
        }
    }

    /// Tracks `obj` under `name` (TensorFlow's keyword argument): a module, a variable, an
    /// optimizer, or a `Vec`/tuple/map of them.
    pub fn with<T: Trackable + ?Sized>(mut self, name: &str, obj: &'a T) -> Self {
        let n = name.to_string();
        self.roots.push((
            name.to_string(),
            Box::new(move |v: &mut dyn Visitor<'a>| obj.track(n.clone(), true, v)),
        ));
        self
    }

    /// `save_counter`: how many times [`save`](Self::save) has run (restored with the rest).
    pub fn save_counter(&self) -> &Variable {
        &self.save_counter
    }

    /// `ckpt.save(prefix)`: increments `save_counter` to N, writes `prefix-N` and records it
    /// in the directory's `checkpoint` state file. Returns `prefix-N`.
    ///
    /// # Errors
    /// `Io` when a file cannot be written; the previous checkpoint and state file stay intact.
    pub fn save(&self, prefix: impl AsRef<Path>) -> Result<PathBuf> {
        self.save_counter.assign_add(&crate::constant(1i64));
        let n = self.save_counter.value().scalar::<i64>();
        let mut p = prefix.as_ref().as_os_str().to_os_string();
        p.push(format!("-{n}"));
        let path = PathBuf::from(p);
        self.write(&path)?;
        super::manager::update_checkpoint_state(&path)?;
        Ok(path)
    }

    /// `ckpt.write(path)`: writes the checkpoint at exactly `path`, without numbering it or
    /// touching the state file.
    ///
    /// ```
    /// use tf_core as tf;
    /// let dir = std::env::temp_dir().join(format!("tf-doc-{}-{}", "write", std::process::id()));
    /// let w = tf::Variable::new(3.0f32);
    /// let ckpt = tf::train::Checkpoint::new().with("w", &w);
    /// let path = ckpt.write(dir.join("weights"))?;
    /// assert!(path.ends_with("weights"));
    /// assert_eq!(ckpt.save_counter().value().scalar::<i64>(), 0); // write does not number
    /// w.assign(&tf::constant(0.0f32));
    /// ckpt.restore(&path)?.assert_consumed()?;
    /// assert_eq!(w.value().scalar::<f32>(), 3.0);
    /// # std::fs::remove_dir_all(&dir).ok();
    /// # Ok::<(), tf::Error>(())
    /// ```
    ///
    /// # Errors
    /// `Io` when a file cannot be written.
    pub fn write(&self, path: impl AsRef<Path>) -> Result<PathBuf> {
        let path = path.as_ref();
        self.write_keyed(path)?;
        Ok(path.to_path_buf())
    }

    /// [`write`](Self::write), returning each stored variable with its key (a SavedModel's
    /// graphs refer to its variables by them).
    pub(crate) fn write_keyed(&self, path: &Path) -> Result<Vec<(String, Variable)>> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        }
        let g = self.graph();
        let (order, paths) = g.bfs();
        let mut rank = vec![0usize; g.nodes.len()];
        for (i, &n) in order.iter().enumerate() {
            rank[n] = i;
        }
        // Which nodes have values below them.
        let mut has = vec![false; g.nodes.len()];
        for &n in order.iter().rev() {
            has[n] = matches!(g.nodes[n].kind, Kind::Variable(_)) || g.nodes[n].children.iter().any(|&(_, c)| has[c]);
        }
        let mut values: Vec<(String, Variable)> = Vec::new();
        let mut graph = Enc::default();
        for &n in &order {
            let node = &g.nodes[n];
            graph.message(1, |m| {
                for (name, c) in &node.children {
                    m.message(1, |r| {
                        r.varint(1, rank[*c] as i64).bytes(2, name.as_bytes());
                    });
                }
                if let Kind::Variable(v) = &node.kind {
                    let key = value_key(&paths[n]);
                    m.message(2, |a| {
                        a.bytes(1, VALUE.as_bytes()).bytes(2, v.name().as_bytes()).bytes(3, key.as_bytes());
                    });
                    values.push((key, v.clone()));
                }
                m.message(5, |b| {
                    if has[n] {
                        b.varint(1, 1);
                    }
                });
            });
        }
        let tensors: Vec<Tensor> = values.iter().map(|(_, v)| v.value()).collect();
        let mut stored: Vec<(String, bundle::Value<'_>)> = values
            .iter()
            .zip(&tensors)
            .map(|((k, _), t)| (k.clone(), bundle::Value::Tensor(t)))
            .collect();
        stored.push((OBJECT_GRAPH_KEY.to_string(), bundle::Value::String(&graph.0)));
        bundle::write(path, &stored)?;
        Ok(values)
    }

    /// `ckpt.restore(path)`: assigns every tracked variable its value from the checkpoint at
    /// `path` (or the latest one in `path` when it is a directory), matching by object
    /// structure. Values are all read and checked first, then assigned: an error leaves every
    /// variable as it was. Values for variables not created yet wait (see
    /// [`restore_deferred`]).
    ///
    /// # Errors
    /// `NotFound` for a missing checkpoint; `DataLoss` for a damaged file; `InvalidArgument`
    /// naming the variable whose stored shape or dtype differs from the variable's.
    pub fn restore(&self, path: impl AsRef<Path>) -> Result<LoadStatus> {
        self.restore_checked(path, |_| Ok(()))
    }

    /// [`restore`](Self::restore), with `check` run on the match before anything is assigned
    /// or queued: an error from it leaves every variable as it was (`load_weights` refuses a
    /// model with weights the checkpoint lacks this way).
    ///
    /// # Errors
    /// As `restore`, and whatever `check` returns.
    pub fn restore_checked(&self, path: impl AsRef<Path>, check: impl FnOnce(&LoadStatus) -> Result<()>) -> Result<LoadStatus> {
        let reader = bundle::load_checkpoint(path)?;
        let g = self.graph();
        let stored = if reader.has_tensor(OBJECT_GRAPH_KEY) {
            let named = |e: Error| match e {
                Error::DataLoss(m) => Error::DataLoss(format!("{}: object graph: {m}", reader.prefix().display())),
                e => e,
            };
            Some(parse_object_graph(&reader.get_string(OBJECT_GRAPH_KEY)?).map_err(named)?)
        } else {
            None
        };
        let mut m = Matcher {
            g: &g,
            reader: &reader,
            stored: stored.as_deref(),
            assign: Vec::new(),
            deferred: Vec::new(),
            seen: vec![false; g.nodes.len()],
            used_keys: Vec::new(),
        };
        m.walk(0, Some(0), "", None)?;
        let unmatched_objects: Vec<String> = {
            let (_, paths) = g.bfs();
            (0..g.nodes.len())
                .filter(|&n| matches!(g.nodes[n].kind, Kind::Variable(_)) && !m.assign.iter().any(|(id, _)| *id == n))
                .map(|n| paths[n].clone())
                .collect()
        };
        let all_keys: Vec<String> = match &stored {
            Some(nodes) => nodes.iter().flat_map(|n| n.attributes.iter().map(|(_, k)| k.clone())).collect(),
            None => reader
                .get_variable_to_shape_map()
                .into_keys()
                .filter(|k| k != OBJECT_GRAPH_KEY)
                .collect(),
        };
        let deferred_keys: Vec<String> = m.deferred.iter().map(|(_, _, d)| d.key.clone()).collect();
        let unused: Vec<String> = all_keys
            .into_iter()
            .filter(|k| !m.used_keys.contains(k) && !deferred_keys.contains(k))
            .collect();
        let status = LoadStatus {
            path: reader.prefix().to_path_buf(),
            unmatched_objects,
            unused_values: unused,
            waiting: deferred_keys,
        };
        check(&status)?;
        for (id, t) in &m.assign {
            if let Kind::Variable(v) = &g.nodes[*id].kind {
                v.assign(t);
            }
        }
        if !m.deferred.is_empty() {
            let mut pending = DEFERRED.lock().unwrap_or_else(|p| p.into_inner());
            for (addr, path, d) in m.deferred {
                pending.retain(|(a, p, _)| !(*a == addr && *p == path));
                pending.push((addr, path, d));
            }
            LOOKED.lock().unwrap_or_else(|p| p.into_inner()).clear();
            ANY_DEFERRED.store(true, Ordering::Release);
        }
        Ok(status)
    }
}

/// Walks our graph and the stored one together.
struct Matcher<'g, 'a> {
    g: &'g Graph<'a>,
    reader: &'g CheckpointReader,
    stored: Option<&'g [StoredNode]>,
    assign: Vec<(usize, Tensor)>,
    deferred: Vec<(usize, String, Deferred)>,
    seen: Vec<bool>,
    used_keys: Vec<String>,
}

impl<'g, 'a> Matcher<'g, 'a> {
    /// Matches our node `n` (reached by `path`) with stored node `s` (`None` without an object
    /// graph: keys are then derived from paths).
    /// `owner` is the nearest module at or above `n` with `n`'s path below it: values the
    /// stored graph has and ours lacks wait there.
    fn walk(&mut self, n: usize, s: Option<usize>, path: &str, owner: Option<(&'a dyn Module, String)>) -> Result<()> {
        if std::mem::replace(&mut self.seen[n], true) {
            return Ok(());
        }
        if let Kind::Variable(v) = &self.g.nodes[n].kind {
            let key = match (self.stored, s) {
                (Some(nodes), Some(s)) => nodes[s].attributes.iter().find(|(a, _)| a == VALUE).map(|(_, k)| k.clone()),
                _ => Some(value_key(path)).filter(|k| self.reader.has_tensor(k)),
            };
            if let Some(key) = key {
                let t = self.reader.get_tensor(&key)?;
                if t.shape() != &v.shape() || t.dtype() != v.dtype() {
                    return Err(Error::InvalidArgument(format!(
                        "{}: {key:?} is {} {} but the variable at {path:?} is {} {}",
                        self.reader.prefix().display(),
                        t.dtype(),
                        t.shape(),
                        v.dtype(),
                        v.shape()
                    )));
                }
                self.assign.push((n, t));
                self.used_keys.push(key);
            }
            return Ok(());
        }
        let owner = match &self.g.nodes[n].kind {
            Kind::Module(m) => Some((*m, String::new())),
            _ => owner,
        };
        let below = |rel: &str, name: &str| {
            if rel.is_empty() {
                escape(name)
            } else {
                format!("{rel}/{}", escape(name))
            }
        };
        for (name, c) in &self.g.nodes[n].children {
            let cs = match (self.stored, s) {
                (Some(nodes), Some(s)) => match nodes[s].children.iter().find(|(l, _)| l == name) {
                    Some(&(_, id)) => Some(id),
                    None => continue,
                },
                _ => None,
            };
            let cp = if path.is_empty() {
                escape(name)
            } else {
                format!("{path}/{}", escape(name))
            };
            self.walk(*c, cs, &cp, owner.as_ref().map(|(m, rel)| (*m, below(rel, name))))?;
        }
        // Stored children this node does not have (yet) wait for its module.
        if let (Some((m, rel)), Some(nodes), Some(s)) = (&owner, self.stored, s) {
            for (name, sc) in &nodes[s].children {
                if !self.g.nodes[n].children.iter().any(|(l, _)| l == name) {
                    self.defer(*m, nodes, *sc, below(rel, name))?;
                }
            }
        }
        Ok(())
    }

    fn defer(&mut self, m: &dyn Module, nodes: &[StoredNode], s: usize, rel: String) -> Result<()> {
        let mut stack = vec![(s, rel, 0)];
        while let Some((s, rel, depth)) = stack.pop() {
            if depth > nodes.len() {
                break; // a cycle in the stored graph
            }
            if let Some((_, key)) = nodes[s].attributes.iter().find(|(a, _)| a == VALUE) {
                // A value reachable by several paths waits once, under the first.
                if self.used_keys.contains(key) || self.deferred.iter().any(|(_, _, d)| d.key == *key) {
                    continue;
                }
                let value = self.reader.get_tensor(key)?;
                self.deferred.push((
                    module_addr(m) as usize,
                    rel.clone(),
                    Deferred {
                        module: m.name(),
                        key: key.clone(),
                        value,
                    },
                ));
            }
            for (name, c) in &nodes[s].children {
                stack.push((*c, format!("{rel}/{}", escape(name)), depth + 1));
            }
        }
        Ok(())
    }
}

/// What [`Checkpoint::restore`] matched: TensorFlow's load status.
#[derive(Debug)]
#[must_use = "check the status with assert_consumed(), assert_existing_objects_matched() or expect_partial()"]
pub struct LoadStatus {
    path: PathBuf,
    unmatched_objects: Vec<String>,
    unused_values: Vec<String>,
    waiting: Vec<String>,
}

impl LoadStatus {
    /// `assert_consumed()`: every checkpoint value was used and every tracked variable got
    /// one (values waiting for variables not yet created count as unused).
    ///
    /// ```
    /// use tf_core as tf;
    /// let dir = std::env::temp_dir().join(format!("tf-doc-{}-{}", "consumed", std::process::id()));
    /// let (w, b) = (tf::Variable::new(1.0f32), tf::Variable::new(2.0f32));
    /// let path = tf::train::Checkpoint::new().with("w", &w).with("b", &b).write(dir.join("both"))?;
    /// // Restoring into a checkpoint that tracks only `w` leaves `b`'s value unused.
    /// let status = tf::train::Checkpoint::new().with("w", &w).restore(&path)?;
    /// assert!(status.assert_consumed().is_err());
    /// assert!(status.assert_existing_objects_matched().is_ok());
    /// # std::fs::remove_dir_all(&dir).ok();
    /// # Ok::<(), tf::Error>(())
    /// ```
    ///
    /// # Errors
    /// `InvalidArgument` listing the unmatched values and objects.
    pub fn assert_consumed(&self) -> Result<()> {
        let mut unused = self.unused_values.clone();
        unused.extend(self.waiting.iter().cloned());
        if unused.is_empty() && self.unmatched_objects.is_empty() {
            return Ok(());
        }
        Err(Error::InvalidArgument(format!(
            "{}: unresolved object in checkpoint — values not used: {unused:?}; objects without a value: {:?}",
            self.path.display(),
            self.unmatched_objects
        )))
    }

    /// `assert_existing_objects_matched()`: every tracked variable that exists got a value
    /// (the checkpoint may hold more).
    ///
    /// # Errors
    /// `InvalidArgument` naming the variables without a value.
    pub fn assert_existing_objects_matched(&self) -> Result<()> {
        if self.unmatched_objects.is_empty() {
            return Ok(());
        }
        Err(Error::InvalidArgument(format!(
            "{}: some objects had no value in the checkpoint: {:?}",
            self.path.display(),
            self.unmatched_objects
        )))
    }

    /// `expect_partial()`: accepts a partial match.
    pub fn expect_partial(self) {}

    /// Paths of tracked variables the checkpoint had no value for.
    pub fn unmatched_objects(&self) -> &[String] {
        &self.unmatched_objects
    }

    /// Keys of checkpoint values no tracked variable used (and none waits for).
    pub fn unused_values(&self) -> &[String] {
        &self.unused_values
    }

    /// Keys of values waiting for variables that do not exist yet.
    pub fn waiting(&self) -> &[String] {
        &self.waiting
    }
}

/// `dyn Module` values (a model's optimizer, say) can be checkpointed directly.
impl Trackable for dyn Module + '_ {
    fn track<'a>(&'a self, path: String, trainable: bool, v: &mut dyn Visitor<'a>) {
        v.module(path, self, trainable);
    }
}
