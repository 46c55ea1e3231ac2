//! `keras.utils.image_dataset_from_directory`: a labelled image dataset from a directory with
//! one subdirectory of PNG or JPEG files per class.

use std::path::{Path, PathBuf};
use tf_core::data::Dataset;
use tf_core::image::ResizeMethod;
use tf_core::{self as tf, DType, Error, Result, Tensor};

/// `label_mode=`: how a class becomes a label.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LabelMode {
    /// `"int"`: the class index, int32 (for `SparseCategoricalCrossentropy`).
    Int,
    /// `"categorical"`: one-hot float32 (for `CategoricalCrossentropy`).
    Categorical,
    /// `"binary"`: 0.0 or 1.0 as a float32 `[1]` (two classes; for `BinaryCrossentropy`).
    Binary,
}

/// `color_mode=`: the channels of the loaded images.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColorMode {
    /// `"grayscale"`: 1 channel.
    Grayscale,
    /// `"rgb"`: 3 channels.
    Rgb,
    /// `"rgba"`: 4 channels.
    Rgba,
}

/// `subset=`: which side of `validation_split` to load.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Subset {
    /// `"training"`: all but the last `validation_split` of the files.
    Training,
    /// `"validation"`: the last `validation_split` of the files.
    Validation,
}

/// The settings of [`image_dataset_from_directory`], with Keras's defaults.
#[derive(Clone, Debug)]
pub struct ImageDatasetArgs {
    /// `label_mode` (int).
    pub label_mode: LabelMode,
    /// `class_names`: the subdirectories to use, in label order (default: all, sorted).
    pub class_names: Option<Vec<String>>,
    /// `color_mode` (rgb).
    pub color_mode: ColorMode,
    /// `batch_size` (32); `None` yields single images.
    pub batch_size: Option<usize>,
    /// `image_size` `[height, width]` (256 x 256): every image is resized to it.
    pub image_size: [usize; 2],
    /// `shuffle` (true): the files are shuffled once, and the elements each pass through a
    /// buffer of `8 · batch_size`.
    pub shuffle: bool,
    /// `seed`: for the shuffles (required with `validation_split` and `shuffle`).
    pub seed: Option<u64>,
    /// `validation_split`: the fraction of files held out for validation.
    pub validation_split: Option<f64>,
    /// `subset`: which side of the split (required with `validation_split`).
    pub subset: Option<Subset>,
    /// `interpolation` (bilinear).
    pub interpolation: ResizeMethod,
    /// `crop_to_aspect_ratio` (false): crop to the target's aspect ratio before resizing.
    pub crop_to_aspect_ratio: bool,
    /// Print Keras's `Found N files belonging to K classes.` lines (true).
    pub verbose: bool,
}

impl Default for ImageDatasetArgs {
    fn default() -> Self {
        ImageDatasetArgs {
            label_mode: LabelMode::Int,
            class_names: None,
            color_mode: ColorMode::Rgb,
            batch_size: Some(32),
            image_size: [256, 256],
            shuffle: true,
            seed: None,
            validation_split: None,
            subset: None,
            interpolation: ResizeMethod::Bilinear,
            crop_to_aspect_ratio: false,
            verbose: true,
        }
    }
}

/// What [`image_dataset_from_directory`] and
/// [`text_dataset_from_directory`](crate::utils::text_dataset_from_directory) return: the
/// dataset of `(data, labels)` and, as Keras attaches them to it, the class names and the
/// files in their (shuffled) order.
pub struct DirectoryDataset {
    /// `(data, labels)`: float32 `[batch, height, width, channels]` images in 0–255, or
    /// string `[batch]` texts.
    pub dataset: Dataset<(Tensor, Tensor)>,
    /// The class names, in label order.
    pub class_names: Vec<String>,
    /// The files of this subset, in the order they are read.
    pub file_paths: Vec<PathBuf>,
}

/// What [`image_dataset_from_directory`] returns.
pub type ImageDataset = DirectoryDataset;

/// The file extensions Keras lists (PNG and JPEG are decoded; GIF and BMP files are found
/// and refused when read).
const FORMATS: [&str; 5] = [".bmp", ".gif", ".jpeg", ".jpg", ".png"];

/// `keras.utils.image_dataset_from_directory(directory, ...)`: every image file under
/// `directory/<class>/` (subdirectories included), labelled by its class directory, decoded
/// and resized to `image_size` as float32 in 0–255 when read.
///
/// As in Keras: classes are the subdirectories in sorted order (or `class_names`); files are
/// sorted within each class, then shuffled once with `seed` (a different permutation than
/// NumPy's); `validation_split` holds out the last part of that order; a shuffled dataset
/// also passes through a buffer of `8 · batch_size` each pass.
///
/// ```
/// use tf_core as tf;
/// use tf_keras::utils::{image_dataset_from_directory, ImageDatasetArgs};
/// let dir = std::env::temp_dir().join(format!("tf-doc-images-{}", std::process::id()));
/// for (class, value) in [("cats", 10u8), ("dogs", 200)] {
///     std::fs::create_dir_all(dir.join(class)).unwrap();
///     for i in 0..3 {
///         let png = tf::io::encode_png(&tf::fill([4, 6, 3], value)).unwrap();
///         std::fs::write(dir.join(class).join(format!("{i}.png")), png).unwrap();
///     }
/// }
/// let args = ImageDatasetArgs { image_size: [2, 3], batch_size: Some(4), seed: Some(1), verbose: false, ..Default::default() };
/// let ds = image_dataset_from_directory(&dir, args).unwrap();
/// assert_eq!(ds.class_names, ["cats", "dogs"]);
/// let (images, labels) = ds.dataset.iter().next().unwrap().unwrap();
/// assert_eq!(images.shape().dims(), &[4, 2, 3, 3]);
/// // Each image is its class's color.
/// for (img, label) in images.to_vec::<f32>().chunks(18).zip(labels.to_vec::<i32>()) {
///     assert!(img.iter().all(|&v| v == if label == 0 { 10.0 } else { 200.0 }));
/// }
/// # std::fs::remove_dir_all(&dir).unwrap();
/// ```
///
/// # Errors
/// `Io` naming a directory that cannot be read; `InvalidArgument` for settings Keras
/// refuses (a `validation_split` without `subset`, or with `shuffle` and no `seed`; binary
/// labels for other than two classes; `class_names` that are not the subdirectories) and for
/// a directory with no images. A file that does not decode is the dataset's error when it is
/// read (`DataLoss`, or `Unimplemented` for GIF and BMP), naming the file.
pub fn image_dataset_from_directory(directory: impl AsRef<Path>, args: ImageDatasetArgs) -> Result<ImageDataset> {
    let dir = directory.as_ref();
    let index = Index {
        label_mode: args.label_mode,
        class_names: args.class_names.clone(),
        batch_size: args.batch_size,
        shuffle: args.shuffle,
        seed: args.seed,
        validation_split: args.validation_split,
        subset: args.subset,
        verbose: args.verbose,
    };
    let Indexed { files, class_names, seed } = index_directory(dir, &FORMATS, &index)?;
    if files.is_empty() {
        return Err(Error::InvalidArgument(format!(
            "No images found in directory {}. Allowed formats: {FORMATS:?}",
            dir.display()
        )));
    }
    let a = args.clone();
    let dataset = labelled_dataset(&files, class_names.len(), &index, seed, move |p| load(p, &a))?;
    Ok(DirectoryDataset {
        dataset,
        class_names,
        file_paths: files.into_iter().map(|(p, _)| p).collect(),
    })
}

/// The dataset of `(load(file), label)` over `files` in their order, each read when the
/// dataset reaches it, then shuffled each pass and batched as `args` say.
pub(crate) fn labelled_dataset(
    files: &[(PathBuf, usize)],
    classes: usize,
    args: &Index,
    seed: u64,
    load: impl Fn(&Path) -> Result<Tensor> + Send + Sync + 'static,
) -> Result<Dataset<(Tensor, Tensor)>> {
    let files = std::sync::Arc::new(files.to_vec());
    let mode = args.label_mode;
    let index = Dataset::from_tensor_slices(tf::range(files.len() as i64))?;
    let dataset = index.try_map(move |i| {
        let (path, class) = &files[i.scalar::<i64>() as usize];
        Ok((load(path)?, label(*class, classes, mode)))
    });
    Ok(crate::utils::shuffle_and_batch(dataset, args.batch_size, args.shuffle, seed))
}

/// The settings [`index_directory`] and [`labelled_dataset`] read, shared by the image and
/// text datasets.
pub(crate) struct Index {
    pub label_mode: LabelMode,
    pub class_names: Option<Vec<String>>,
    pub batch_size: Option<usize>,
    pub shuffle: bool,
    pub seed: Option<u64>,
    pub validation_split: Option<f64>,
    pub subset: Option<Subset>,
    pub verbose: bool,
}

/// What [`index_directory`] found.
pub(crate) struct Indexed {
    /// Each file with its label, in the order read.
    pub files: Vec<(PathBuf, usize)>,
    /// The class names, in label order.
    pub class_names: Vec<String>,
    /// The seed of the shuffles.
    pub seed: u64,
}

/// Keras's `index_directory`: the files with one of `formats` under each class directory
/// of `dir`, with their labels, in Keras's order (classes sorted or as given; files sorted
/// within each class, then shuffled once with the seed; the validation split cut from the
/// end), the class names and the seed used.
///
/// # Errors
/// As [`image_dataset_from_directory`]'s (no files at all is an empty list, for the caller
/// to name what it looked for).
pub(crate) fn index_directory(dir: &Path, formats: &[&str], args: &Index) -> Result<Indexed> {
    let invalid = |m: String| Error::InvalidArgument(m);
    if let Some(split) = args.validation_split {
        if !(split > 0.0 && split < 1.0) {
            return Err(invalid(format!("`validation_split` must be between 0 and 1, received: {split}")));
        }
        if args.subset.is_none() {
            return Err(invalid("If `subset` is set, `validation_split` must be set, and inversely.".into()));
        }
        if args.shuffle && args.seed.is_none() {
            return Err(invalid(
                "If using `validation_split` and shuffling the data, you must provide a `seed` argument, to make sure that there is no overlap between the training and validation subset.".into(),
            ));
        }
    } else if args.subset.is_some() {
        return Err(invalid("If `subset` is set, `validation_split` must be set, and inversely.".into()));
    }
    let mut subdirs: Vec<String> = std::fs::read_dir(dir)
        .map_err(|e| Error::io(dir, e))?
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    subdirs.sort();
    let class_names = match &args.class_names {
        Some(given) => {
            let (mut a, mut b) = (given.clone(), subdirs.clone());
            a.sort();
            b.sort();
            if a != b {
                return Err(invalid(format!(
                    "The `class_names` passed did not match the names of the subdirectories of the target directory. Expected: {subdirs:?}, but received: {given:?}"
                )));
            }
            given.clone()
        }
        None => subdirs.clone(),
    };
    if args.label_mode == LabelMode::Binary && class_names.len() != 2 {
        return Err(invalid(format!(
            "When passing `label_mode=\"binary\"`, there must be exactly 2 class_names. Received: class_names={class_names:?}"
        )));
    }
    let mut files: Vec<(PathBuf, usize)> = Vec::new();
    // The subdirectories in sorted order, whatever order `class_names` gives their labels.
    for class in &subdirs {
        let label = class_names.iter().position(|c| c == class).unwrap_or_default();
        let mut found = Vec::new();
        walk(&dir.join(class), formats, &mut found)?;
        // Keras's order: directory by directory (sorted, a directory before its
        // subdirectories), the files of each sorted.
        found.sort_by(|a, b| (a.parent(), a.file_name()).cmp(&(b.parent(), b.file_name())));
        files.extend(found.into_iter().map(|f| (f, label)));
    }
    if files.is_empty() {
        return Ok(Indexed {
            files,
            class_names,
            seed: 0,
        });
    }
    if args.verbose {
        println!("Found {} files belonging to {} classes.", files.len(), class_names.len());
    }
    let seed = args.seed.unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64)
    });
    if args.shuffle {
        crate::utils::seeded_shuffle(&mut files, seed);
    }
    if let (Some(split), Some(subset)) = (args.validation_split, args.subset) {
        let n_val = (split * files.len() as f64) as usize;
        let cut = files.len() - n_val;
        files = match subset {
            Subset::Training => files[..cut].to_vec(),
            Subset::Validation => files[cut..].to_vec(),
        };
        if args.verbose {
            let which = if subset == Subset::Training { "training" } else { "validation" };
            println!("Using {} files for {which}.", files.len());
        }
    }
    Ok(Indexed { files, class_names, seed })
}

/// The files of `formats` under `dir`, subdirectories included.
fn walk(dir: &Path, formats: &[&str], out: &mut Vec<PathBuf>) -> Result<()> {
    for entry in std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
        let path = entry.map_err(|e| Error::io(dir, e))?.path();
        if path.is_dir() {
            walk(&path, formats, out)?;
        } else {
            let name = path.file_name().map(|n| n.to_string_lossy().to_lowercase()).unwrap_or_default();
            if formats.iter().any(|f| name.ends_with(f)) {
                out.push(path);
            }
        }
    }
    Ok(())
}

/// A file decoded and resized as Keras's `load_image` does.
fn load(path: &Path, args: &ImageDatasetArgs) -> Result<Tensor> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let channels = match args.color_mode {
        ColorMode::Grayscale => 1,
        ColorMode::Rgb => 3,
        ColorMode::Rgba => 4,
    };
    let img = tf::io::decode_image(&bytes, channels).map_err(|e| {
        let at = |m: String| format!("{}: {m}", path.display());
        match e {
            Error::DataLoss(m) => Error::DataLoss(at(m)),
            Error::Unimplemented(m) => Error::Unimplemented(at(m)),
            Error::InvalidArgument(m) => Error::InvalidArgument(at(m)),
            other => other,
        }
    })?;
    Ok(if args.crop_to_aspect_ratio {
        crate::utils::smart_resize(&img, args.image_size, args.interpolation)
    } else {
        tf::cast(&tf::image::resize(&img, args.image_size, args.interpolation), DType::F32)
    })
}

/// A class index as `label_mode` asks.
fn label(class: usize, classes: usize, mode: LabelMode) -> Tensor {
    match mode {
        LabelMode::Int => tf::constant(class as i32),
        LabelMode::Categorical => tf::one_hot(&tf::constant(class as i32), classes, 1.0, 0.0, -1, DType::F32),
        LabelMode::Binary => tf::constant([class as f32]),
    }
}
