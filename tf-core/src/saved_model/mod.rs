//! `tf.saved_model`: a module's graph functions and variables in a directory that a program
//! without the module's code can load and call.
//!
//! ```text
//! <dir>/saved_model.tfrs                          the graph functions and signatures (format)
//! <dir>/variables/variables.index                 the variables: a TensorFlow-format checkpoint
//! <dir>/variables/variables.data-00000-of-00001   (`tf.train.load_checkpoint` reads it)
//! <dir>/assets/                                   files the functions need (vocabularies, ...)
//! ```
//!
//! The graphs are this runtime's IR (ops by registry name, attributes, nested `If`/`While`
//! graphs, constants), versioned: a file from a newer format is refused by name, not misread.
//!
//! ```
//! use tf_core as tf;
//! use tf::ops::TensorSpec;
//! # let dir = std::env::temp_dir().join(format!("tf-doc-sm-{}", std::process::id()));
//! struct Scale {
//!     w: tf::Variable,
//! }
//! impl tf::Module for Scale {
//!     fn name(&self) -> String {
//!         "scale".into()
//!     }
//!     fn visit_fields<'a>(&'a self, v: &mut dyn tf::module::Visitor<'a>) {
//!         v.variable("w".into(), &self.w, true);
//!     }
//! }
//! let m = Scale { w: tf::Variable::new(tf::constant([2.0f32, 3.0])) };
//! let w = m.w.clone();
//! let f = tf::Function::new("scale", move |x: &[tf::Tensor]| vec![&x[0] * &w.value()]);
//! let cf = f.get_concrete_function(&[TensorSpec::new([2], tf::DType::F32)]);
//! tf::saved_model::save(&m, &dir, tf::saved_model::Signature::new(&cf).inputs(["x"]))?;
//!
//! let loaded = tf::saved_model::load(&dir)?;
//! let serve = loaded.signature("serving_default")?;
//! let out = serve.call(&[("x", &tf::constant([1.0f32, 1.0]))])?;
//! assert_eq!(out["output_0"].to_vec::<f32>(), vec![2.0, 3.0]);
//! # std::fs::remove_dir_all(&dir).ok();
//! # Ok::<(), tf::Error>(())
//! ```

pub(crate) mod format;

use crate::data::npy::write_atomically;
use crate::function::ConcreteFunction;
use crate::module::Visitor;
use crate::ops::TensorSpec;
use crate::train::Checkpoint;
use crate::{Error, Function, Module, Result, Tensor, Variable};
use format::{SavedProgram, SavedVariable};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The program file inside a SavedModel directory.
pub const PROGRAM_FILE: &str = "saved_model.tfrs";
/// The variables' checkpoint prefix inside a SavedModel directory.
pub const VARIABLES_PREFIX: &str = "variables/variables";
/// The signature key `save` gives a single signature.
pub const DEFAULT_SERVING_SIGNATURE_DEF_KEY: &str = "serving_default";
const VALUE_SUFFIX: &str = "/.ATTRIBUTES/VARIABLE_VALUE";

/// One signature: a concrete function with names for its inputs and outputs.
#[derive(Clone)]
pub struct Signature {
    concrete: Arc<ConcreteFunction>,
    inputs: Vec<String>,
    outputs: Vec<String>,
}

impl Signature {
    /// `concrete` as a signature, its inputs named `args_0`, `args_1`, ... and its outputs
    /// `output_0`, `output_1`, ... (TensorFlow's names for positional arguments and for the
    /// outputs of a function that returns tensors rather than a dict).
    pub fn new(concrete: &Arc<ConcreteFunction>) -> Signature {
        Signature {
            inputs: (0..concrete.signature().len()).map(|i| format!("args_{i}")).collect(),
            outputs: (0..concrete.graph().outputs.len()).map(|i| format!("output_{i}")).collect(),
            concrete: concrete.clone(),
        }
    }
    /// Names the inputs, in argument order.
    pub fn inputs<S: Into<String>>(mut self, names: impl IntoIterator<Item = S>) -> Signature {
        self.inputs = names.into_iter().map(Into::into).collect();
        self
    }
    /// Names the outputs, in return order (the keys of the map a loaded signature returns).
    pub fn outputs<S: Into<String>>(mut self, names: impl IntoIterator<Item = S>) -> Signature {
        self.outputs = names.into_iter().map(Into::into).collect();
        self
    }
    fn check(&self, key: &str) -> Result<()> {
        let (nin, nout) = (self.concrete.signature().len(), self.concrete.graph().outputs.len());
        if self.inputs.len() != nin || self.outputs.len() != nout {
            return Err(Error::InvalidArgument(format!(
                "signature `{key}` names {} inputs and {} outputs, but its function takes {nin} and returns {nout}",
                self.inputs.len(),
                self.outputs.len()
            )));
        }
        for names in [&self.inputs, &self.outputs] {
            for (i, n) in names.iter().enumerate() {
                if names[..i].contains(n) {
                    return Err(Error::InvalidArgument(format!("signature `{key}` names two tensors `{n}`")));
                }
            }
        }
        Ok(())
    }
}

/// What [`save`] exports besides the variables: named signatures, saved functions (every
/// traced concrete function of each), and asset files.
#[derive(Clone, Default)]
pub struct Signatures {
    signatures: Vec<(String, Signature)>,
    functions: Vec<(String, Vec<Arc<ConcreteFunction>>)>,
    assets: Vec<PathBuf>,
}

impl Signatures {
    /// Nothing yet (a module saved with no signatures, as a custom `tf.Module` by default).
    pub fn new() -> Signatures {
        Signatures::default()
    }
    /// Adds the signature `key` (replacing one of that key).
    pub fn with(mut self, key: impl Into<String>, signature: impl Into<Signature>) -> Signatures {
        let key = key.into();
        self.signatures.retain(|(k, _)| *k != key);
        self.signatures.push((key, signature.into()));
        self
    }
    /// Saves `function` under `name` with every concrete function traced so far; the loaded
    /// function dispatches on its arguments' dtypes and shapes.
    pub fn function(self, name: impl Into<String>, function: &Function) -> Signatures {
        self.concrete_functions(name, function.concrete_functions())
    }
    /// Saves the given concrete functions as one function `name`.
    pub fn concrete_functions(mut self, name: impl Into<String>, concretes: impl IntoIterator<Item = Arc<ConcreteFunction>>) -> Signatures {
        let name = name.into();
        let mut list: Vec<Arc<ConcreteFunction>> = concretes.into_iter().collect();
        if let Some((_, existing)) = self.functions.iter_mut().find(|(n, _)| *n == name) {
            existing.append(&mut list);
        } else {
            self.functions.push((name, list));
        }
        self
    }
    /// Copies the file at `path` into the SavedModel's `assets/` (under its file name).
    pub fn asset(mut self, path: impl AsRef<Path>) -> Signatures {
        self.assets.push(path.as_ref().to_path_buf());
        self
    }
}

impl From<&Arc<ConcreteFunction>> for Signature {
    fn from(c: &Arc<ConcreteFunction>) -> Signature {
        Signature::new(c)
    }
}

impl From<Signature> for Signatures {
    /// A single signature is `serving_default`.
    fn from(s: Signature) -> Signatures {
        Signatures::new().with(DEFAULT_SERVING_SIGNATURE_DEF_KEY, s)
    }
}

impl From<&Arc<ConcreteFunction>> for Signatures {
    /// A single concrete function is the `serving_default` signature.
    fn from(c: &Arc<ConcreteFunction>) -> Signatures {
        Signature::new(c).into()
    }
}

/// `tf.saved_model.save(module, dir, signatures)`: writes `module`'s variables and the graphs
/// of `signatures` into `dir`. Every variable a graph reads or writes must be tracked by
/// `module`.
///
/// Everything is written into a temporary directory beside `dir` and renamed into place: an
/// interrupted save leaves a previous SavedModel at `dir` as it was. A `dir` that holds
/// anything other than a SavedModel is refused rather than replaced.
///
/// # Errors
/// `InvalidArgument` for a graph that uses a variable `module` does not track, a function that
/// writes summaries or has no traces, signature names that do not fit their function, or a
/// `dir` that holds something other than a SavedModel; `Io` when a file cannot be written.
pub fn save(module: &dyn Module, dir: impl AsRef<Path>, signatures: impl Into<Signatures>) -> Result<()> {
    save_with_files(module, dir.as_ref(), &signatures.into(), &[])
}

/// [`save`] with extra files written at the top of the directory (Keras's model metadata);
/// a later save with the same extra names may replace the directory.
pub fn save_with_files(module: &dyn Module, dir: &Path, sigs: &Signatures, extra: &[(&str, &[u8])]) -> Result<()> {
    for (key, s) in &sigs.signatures {
        s.check(key)?;
    }
    if let Some((name, _)) = sigs.functions.iter().find(|(_, list)| list.is_empty()) {
        return Err(Error::InvalidArgument(format!(
            "function `{name}` has no traces to save: call it (or `get_concrete_function`) with the inputs it should serve first"
        )));
    }
    let extra_names: Vec<&str> = extra.iter().map(|(n, _)| *n).collect();
    refuse_foreign(dir, &extra_names)?;
    let tmp = sibling(dir, "tmp")?;
    if tmp.exists() {
        std::fs::remove_dir_all(&tmp).map_err(|e| Error::io(&tmp, e))?;
    }
    let result = write_dir(module, &tmp, sigs, extra).and_then(|()| swap_into_place(&tmp, dir));
    if result.is_err() {
        std::fs::remove_dir_all(&tmp).ok();
    }
    result
}

fn write_dir(module: &dyn Module, tmp: &Path, sigs: &Signatures, extra: &[(&str, &[u8])]) -> Result<()> {
    std::fs::create_dir_all(tmp.join("assets")).map_err(|e| Error::io(tmp, e))?;
    let keyed = Checkpoint::of(module).write_keyed(&tmp.join(VARIABLES_PREFIX))?;
    let mut program = SavedProgram::default();
    let named: Vec<(String, Variable, bool)> = module.named_variables();
    for (key, v) in &keyed {
        let trainable = named.iter().find(|(_, n, _)| n.ptr_eq(v)).map_or(v.trainable(), |(_, _, t)| *t);
        program.variables.push(SavedVariable {
            key: key.clone(),
            path: key.strip_suffix(VALUE_SUFFIX).unwrap_or(key).to_string(),
            name: v.name().to_string(),
            trainable,
            spec: TensorSpec {
                dtype: v.dtype(),
                shape: v.shape(),
            },
        });
    }
    let mut concretes: Vec<Arc<ConcreteFunction>> = Vec::new();
    let mut index_of = |c: &Arc<ConcreteFunction>| match concretes.iter().position(|k| Arc::ptr_eq(k, c)) {
        Some(i) => i,
        None => {
            concretes.push(c.clone());
            concretes.len() - 1
        }
    };
    for (key, s) in &sigs.signatures {
        let i = index_of(&s.concrete);
        program.signatures.push((key.clone(), i, s.inputs.clone(), s.outputs.clone()));
    }
    for (name, list) in &sigs.functions {
        let idx = list.iter().map(&mut index_of).collect();
        program.functions.push((name.clone(), idx));
    }
    let graphs: Vec<(&[TensorSpec], &crate::graph::Graph)> = concretes.iter().map(|c| (c.signature(), c.graph())).collect();
    for a in &sigs.assets {
        let name = a
            .file_name()
            .and_then(|n| n.to_str())
            .ok_or_else(|| Error::InvalidArgument(format!("asset {} has no file name", a.display())))?;
        std::fs::copy(a, tmp.join("assets").join(name)).map_err(|e| Error::io(a, e))?;
        program.assets.push(name.to_string());
    }
    let vars: Vec<&Variable> = keyed.iter().map(|(_, v)| v).collect();
    let bytes = format::encode(&program, &graphs, &|v| vars.iter().position(|k| k.ptr_eq(v)), &module.name())?;
    write_atomically(&tmp.join(PROGRAM_FILE), &bytes)?;
    for (name, data) in extra {
        write_atomically(&tmp.join(name), data)?;
    }
    Ok(())
}

/// `<parent>/.<name>.<what>-<pid>`.
fn sibling(dir: &Path, what: &str) -> Result<PathBuf> {
    let name = dir
        .file_name()
        .ok_or_else(|| Error::InvalidArgument(format!("{} does not name a directory", dir.display())))?;
    let mut n = std::ffi::OsString::from(".");
    n.push(name);
    n.push(format!(".{what}-{}", std::process::id()));
    Ok(dir.with_file_name(n))
}

/// Refuses to replace a directory that holds anything but a SavedModel's own entries (and
/// the `extra` files a SavedModel may carry).
fn refuse_foreign(dir: &Path, extra: &[&str]) -> Result<()> {
    if !dir.exists() {
        return Ok(());
    }
    let entries = std::fs::read_dir(dir).map_err(|_| Error::InvalidArgument(format!("{} exists and is not a directory", dir.display())))?;
    let own = [PROGRAM_FILE, "variables", "assets"];
    let names: Vec<String> = entries.flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect();
    let saved_model = names.iter().any(|n| n == PROGRAM_FILE);
    let is_own = |n: &str| own.contains(&n) || extra.contains(&n);
    match names.iter().find(|n| !saved_model || !is_own(n)) {
        Some(f) => Err(Error::InvalidArgument(format!(
            "{} holds `{f}`, which is not part of a SavedModel: refusing to replace the directory (save to a new or empty one)",
            dir.display()
        ))),
        None => Ok(()),
    }
}

/// Renames `tmp` to `dir`, moving a previous `dir` aside first and deleting it after.
fn swap_into_place(tmp: &Path, dir: &Path) -> Result<()> {
    if dir.exists() {
        let old = sibling(dir, "old")?;
        if old.exists() {
            std::fs::remove_dir_all(&old).map_err(|e| Error::io(&old, e))?;
        }
        std::fs::rename(dir, &old).map_err(|e| Error::io(dir, e))?;
        if let Err(e) = std::fs::rename(tmp, dir) {
            std::fs::rename(&old, dir).ok();
            return Err(Error::io(dir, e));
        }
        std::fs::remove_dir_all(&old).map_err(|e| Error::io(&old, e))?;
    } else {
        if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
        }
        std::fs::rename(tmp, dir).map_err(|e| Error::io(dir, e))?;
    }
    Ok(())
}

/// `tf.saved_model.load(dir)`: the saved object, its variables holding the saved values.
///
/// # Errors
/// `NotFound` when `dir` holds no SavedModel; `DataLoss` naming the file for a damaged
/// program or checkpoint; `Unimplemented` for a newer format version, an op this build
/// lacks, or a SavedModel of Python TensorFlow (whose variables still load as a checkpoint).
pub fn load(dir: impl AsRef<Path>) -> Result<LoadedModel> {
    let dir = dir.as_ref();
    let file = dir.join(PROGRAM_FILE);
    let bytes = std::fs::read(&file).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound if dir.join("saved_model.pb").exists() => Error::Unimplemented(format!(
            "{}: a SavedModel written by Python TensorFlow (saved_model.pb holds TensorFlow's own GraphDefs, which tf does not \
             run); its variables load with tf::train::load_checkpoint(\"{}\") or a Checkpoint of the same module",
            dir.display(),
            dir.join(VARIABLES_PREFIX).display()
        )),
        std::io::ErrorKind::NotFound => Error::NotFound(format!("{}: no SavedModel here ({PROGRAM_FILE} is missing)", dir.display())),
        _ => Error::io(&file, e),
    })?;
    let prefix = dir.join(VARIABLES_PREFIX);
    let mut make_vars = |saved: &[SavedVariable]| -> Result<Vec<Variable>> {
        if saved.is_empty() {
            return Ok(Vec::new());
        }
        let reader = crate::train::load_checkpoint(&prefix)?;
        let mut vars = Vec::with_capacity(saved.len());
        for s in saved {
            let t = reader.get_tensor(&s.key)?;
            if t.dtype() != s.spec.dtype || t.shape() != &s.spec.shape {
                return Err(Error::DataLoss(format!(
                    "{}: variable {:?} is {} {} in the checkpoint but {} {} in {PROGRAM_FILE}",
                    prefix.display(),
                    s.key,
                    t.dtype(),
                    t.shape(),
                    s.spec.dtype,
                    s.spec.shape
                )));
            }
            vars.push(Variable::with_options(t, s.name.clone(), s.trainable));
        }
        Ok(vars)
    };
    let (program, vars) = format::decode(&bytes, &file.display().to_string(), &mut make_vars)?;
    let concretes: Vec<Arc<ConcreteFunction>> = program
        .concretes
        .into_iter()
        .map(|(sig, g)| Arc::new(ConcreteFunction::from_graph(g, sig)))
        .collect();
    let signatures = program
        .signatures
        .into_iter()
        .map(|(key, c, inputs, outputs)| {
            let concrete = concretes[c].clone();
            let sig = LoadedSignature {
                key: key.clone(),
                inputs: inputs.into_iter().zip(concrete.signature().iter().cloned()).collect(),
                outputs,
                concrete,
            };
            (key, sig)
        })
        .collect();
    let functions = program
        .functions
        .into_iter()
        .map(|(name, idx)| {
            let f = LoadedFunction {
                name: name.clone(),
                concretes: idx.into_iter().map(|i| concretes[i].clone()).collect(),
            };
            (name, f)
        })
        .collect();
    Ok(LoadedModel {
        dir: dir.to_path_buf(),
        variables: program
            .variables
            .into_iter()
            .zip(vars)
            .map(|(s, v)| (s.path, v, s.trainable))
            .collect(),
        signatures,
        functions,
        assets: program.assets,
    })
}

/// A loaded SavedModel: its signatures, saved functions, variables and assets. It is a
/// [`Module`]: `trainable_variables()` are the loaded variables, and a `tf::train::Checkpoint`
/// of it reads checkpoints of the original module.
pub struct LoadedModel {
    dir: PathBuf,
    variables: Vec<(String, Variable, bool)>,
    signatures: BTreeMap<String, LoadedSignature>,
    functions: BTreeMap<String, LoadedFunction>,
    assets: Vec<String>,
}

impl LoadedModel {
    /// The signature `key` (`loaded.signatures[key]`).
    ///
    /// # Errors
    /// `NotFound`, listing the signatures there are.
    pub fn signature(&self, key: &str) -> Result<&LoadedSignature> {
        self.lookup(&self.signatures, key, "signature")
    }
    /// The signature keys, sorted.
    pub fn signature_keys(&self) -> Vec<&str> {
        self.signatures.keys().map(String::as_str).collect()
    }
    /// The saved function `name` (`loaded.<name>`).
    ///
    /// # Errors
    /// `NotFound`, listing the functions there are.
    pub fn function(&self, name: &str) -> Result<&LoadedFunction> {
        self.lookup(&self.functions, name, "saved function")
    }
    /// `map[key]`, or `NotFound` naming the keys there are.
    fn lookup<'a, V>(&self, map: &'a BTreeMap<String, V>, key: &str, what: &str) -> Result<&'a V> {
        map.get(key).ok_or_else(|| {
            Error::NotFound(format!(
                "{}: no {what} `{key}`; the SavedModel has {}",
                self.dir.display(),
                list(map.keys())
            ))
        })
    }
    /// The saved functions' names, sorted.
    pub fn function_names(&self) -> Vec<&str> {
        self.functions.keys().map(String::as_str).collect()
    }
    /// The path of the asset `name` inside the SavedModel.
    ///
    /// # Errors
    /// `NotFound` for an asset that was not saved.
    pub fn asset_path(&self, name: &str) -> Result<PathBuf> {
        if self.assets.iter().any(|a| a == name) {
            Ok(self.dir.join("assets").join(name))
        } else {
            Err(Error::NotFound(format!(
                "{}: no asset `{name}`; the SavedModel has {}",
                self.dir.display(),
                list(self.assets.iter())
            )))
        }
    }
    /// The directory it was loaded from.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

fn list<'a>(names: impl Iterator<Item = &'a String>) -> String {
    let v: Vec<String> = names.map(|n| format!("`{n}`")).collect();
    if v.is_empty() {
        "none".into()
    } else {
        v.join(", ")
    }
}

impl std::fmt::Debug for LoadedModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoadedModel")
            .field("dir", &self.dir)
            .field("signatures", &self.signature_keys())
            .field("functions", &self.function_names())
            .field("variables", &self.variables.len())
            .finish()
    }
}

impl std::fmt::Debug for LoadedSignature {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "LoadedSignature({}: {} -> {:?})", self.key, self.describe(), self.outputs)
    }
}

impl std::fmt::Debug for LoadedFunction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let sigs: Vec<String> = self.concretes.iter().map(|c| specs_text(c.signature())).collect();
        write!(f, "LoadedFunction({}: {})", self.name, sigs.join(" | "))
    }
}

impl Module for LoadedModel {
    fn name(&self) -> String {
        "loaded_saved_model".into()
    }
    fn visit_fields<'a>(&'a self, v: &mut dyn Visitor<'a>) {
        for (path, var, trainable) in &self.variables {
            v.variable(path.clone(), var, *trainable);
        }
    }
}

/// A loaded signature: named inputs in, a map of named outputs out.
pub struct LoadedSignature {
    key: String,
    inputs: Vec<(String, TensorSpec)>,
    outputs: Vec<String>,
    concrete: Arc<ConcreteFunction>,
}

impl LoadedSignature {
    /// Calls the signature with every input by name (`sig(x=...)`); returns the outputs by name.
    ///
    /// # Errors
    /// `InvalidArgument` for a missing or unknown input name, or an input whose dtype or shape
    /// differs from the signature's.
    pub fn call(&self, inputs: &[(&str, &Tensor)]) -> Result<BTreeMap<String, Tensor>> {
        for (name, _) in inputs {
            if !self.inputs.iter().any(|(n, _)| n == name) {
                return Err(Error::InvalidArgument(format!(
                    "signature `{}` got an unexpected input `{name}`; it takes {}",
                    self.key,
                    self.describe()
                )));
            }
        }
        let mut args = Vec::with_capacity(self.inputs.len());
        for (name, spec) in &self.inputs {
            let t = inputs.iter().find(|(n, _)| n == name).map(|(_, t)| *t).ok_or_else(|| {
                Error::InvalidArgument(format!(
                    "signature `{}` is missing input `{name}`; it takes {}",
                    self.key,
                    self.describe()
                ))
            })?;
            if !TensorSpec::of(t).is_subtype_of(spec) {
                return Err(Error::InvalidArgument(format!(
                    "signature `{}`: input `{name}` is a {} tensor of shape {}, but the signature takes {} of shape {}",
                    self.key,
                    t.dtype(),
                    t.shape(),
                    spec.dtype,
                    spec.shape
                )));
            }
            args.push(t.clone());
        }
        let outs = self.concrete.call(&args)?;
        Ok(self.outputs.iter().cloned().zip(outs).collect())
    }
    /// The inputs' names and specs (`structured_input_signature`).
    pub fn inputs(&self) -> &[(String, TensorSpec)] {
        &self.inputs
    }
    /// The outputs' names (`structured_outputs`' keys), in return order.
    pub fn outputs(&self) -> &[String] {
        &self.outputs
    }
    /// The concrete function behind the signature.
    pub fn concrete_function(&self) -> &Arc<ConcreteFunction> {
        &self.concrete
    }
    fn describe(&self) -> String {
        let v: Vec<String> = self.inputs.iter().map(|(n, s)| format!("`{n}`: {} {}", s.dtype, s.shape)).collect();
        v.join(", ")
    }
}

/// A loaded function: the concrete functions saved for it, chosen by the arguments' dtypes
/// and shapes.
pub struct LoadedFunction {
    name: String,
    concretes: Vec<Arc<ConcreteFunction>>,
}

impl LoadedFunction {
    /// Calls the concrete function traced for these arguments' dtypes and shapes.
    ///
    /// # Errors
    /// `InvalidArgument` ("Could not find matching function to call loaded from the
    /// SavedModel") when none was saved for them, listing those that were.
    pub fn call(&self, args: &[Tensor]) -> Result<Vec<Tensor>> {
        let got: Vec<TensorSpec> = args.iter().map(TensorSpec::of).collect();
        let fits = |c: &&Arc<ConcreteFunction>| TensorSpec::fits(&got, c.signature());
        // The most specific trace wins: an exact one, else one with unknown dimensions.
        match self
            .concretes
            .iter()
            .find(|c| c.signature() == got.as_slice())
            .or_else(|| self.concretes.iter().find(fits))
        {
            Some(c) => c.call(args),
            None => {
                let options: Vec<String> = self.concretes.iter().map(|c| specs_text(c.signature())).collect();
                Err(Error::InvalidArgument(format!(
                    "Could not find matching function to call loaded from the SavedModel. `{}` got {}; expected one of: {}",
                    self.name,
                    specs_text(&got),
                    if options.is_empty() {
                        "none (no traces were saved)".into()
                    } else {
                        options.join("; ")
                    }
                )))
            }
        }
    }
    /// The saved concrete functions.
    pub fn concrete_functions(&self) -> &[Arc<ConcreteFunction>] {
        &self.concretes
    }
}

fn specs_text(s: &[TensorSpec]) -> String {
    let v: Vec<String> = s.iter().map(|t| format!("{} {}", t.dtype, t.shape)).collect();
    format!("({})", v.join(", "))
}
