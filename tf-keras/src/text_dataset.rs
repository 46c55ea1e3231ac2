//! `keras.utils.text_dataset_from_directory`: a labelled text dataset from a directory with
//! one subdirectory of `.txt` files per class (the IMDB reviews of TensorFlow's text
//! classification tutorial are laid out so).

use crate::image_dataset::{index_directory, labelled_dataset, DirectoryDataset, Index, Indexed, LabelMode, Subset};
use std::path::Path;
use tf_core::{self as tf, Error, Result};

/// The settings of [`text_dataset_from_directory`], with Keras's defaults.
#[derive(Clone, Debug)]
pub struct TextDatasetArgs {
    /// `label_mode` (int).
    pub label_mode: LabelMode,
    /// `class_names`: the subdirectories to use, in label order (default: all, sorted).
    pub class_names: Option<Vec<String>>,
    /// `batch_size` (32); `None` yields single texts.
    pub batch_size: Option<usize>,
    /// `max_length`: texts longer than this many bytes are cut (at a character boundary).
    pub max_length: Option<usize>,
    /// `shuffle` (true): the files are shuffled once, and the elements each pass through a
    /// buffer of `8 · batch_size`.
    pub shuffle: bool,
    /// `seed`: for the shuffles (required with `validation_split` and `shuffle`).
    pub seed: Option<u64>,
    /// `validation_split`: the fraction of files held out for validation.
    pub validation_split: Option<f64>,
    /// `subset`: which side of the split (required with `validation_split`).
    pub subset: Option<Subset>,
    /// Print Keras's `Found N files belonging to K classes.` lines (true).
    pub verbose: bool,
}

impl Default for TextDatasetArgs {
    fn default() -> Self {
        TextDatasetArgs {
            label_mode: LabelMode::Int,
            class_names: None,
            batch_size: Some(32),
            max_length: None,
            shuffle: true,
            seed: None,
            validation_split: None,
            subset: None,
            verbose: true,
        }
    }
}

/// What [`text_dataset_from_directory`] returns: string `[batch]` texts with their labels.
pub type TextDataset = DirectoryDataset;

/// `keras.utils.text_dataset_from_directory(directory, ...)`: every `.txt` file under
/// `directory/<class>/` (subdirectories included), labelled by its class directory, read as
/// a string when the dataset reaches it.
///
/// The order is Keras's, as for [`image_dataset_from_directory`](crate::utils::image_dataset_from_directory):
/// classes sorted (or `class_names`), files sorted within each class, then shuffled once
/// with `seed` (a different permutation than NumPy's), the validation split cut from the end.
///
/// ```
/// use tf_core as tf;
/// use tf_keras::utils::{text_dataset_from_directory, TextDatasetArgs};
/// let dir = std::env::temp_dir().join(format!("tf-doc-texts-{}", std::process::id()));
/// for (class, text) in [("neg", "awful"), ("pos", "great")] {
///     std::fs::create_dir_all(dir.join(class)).unwrap();
///     std::fs::write(dir.join(class).join("1.txt"), text).unwrap();
/// }
/// let args = TextDatasetArgs { shuffle: false, verbose: false, ..Default::default() };
/// let ds = text_dataset_from_directory(&dir, args)?;
/// assert_eq!(ds.class_names, ["neg", "pos"]);
/// let (texts, labels) = ds.dataset.iter().next().unwrap()?;
/// assert_eq!(texts.strings(), ["awful", "great"]);
/// assert_eq!(labels.to_vec::<i32>(), vec![0, 1]);
/// # std::fs::remove_dir_all(&dir).unwrap();
/// # Ok::<(), tf::Error>(())
/// ```
///
/// # Errors
/// As `image_dataset_from_directory`'s settings errors; `InvalidArgument` for a directory
/// with no `.txt` files. A file that cannot be read, or is not UTF-8 text, is the dataset's
/// error when it is read, naming the file.
pub fn text_dataset_from_directory(directory: impl AsRef<Path>, args: TextDatasetArgs) -> Result<TextDataset> {
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
    let Indexed { files, class_names, seed } = index_directory(dir, &[".txt"], &index)?;
    if files.is_empty() {
        return Err(Error::InvalidArgument(format!(
            "No text files found in directory {}. Allowed format: .txt",
            dir.display()
        )));
    }
    let max = args.max_length;
    let dataset = labelled_dataset(&files, class_names.len(), &index, seed, move |p| {
        Ok(tf::constant(read_text(p, max)?))
    })?;
    Ok(DirectoryDataset {
        dataset,
        class_names,
        file_paths: files.into_iter().map(|(p, _)| p).collect(),
    })
}

/// A file's text, cut to at most `max` bytes at a character boundary.
fn read_text(path: &Path, max: Option<usize>) -> Result<String> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let mut text = String::from_utf8(bytes).map_err(|e| Error::DataLoss(format!("{}: not UTF-8 text ({e})", path.display())))?;
    if let Some(m) = max.filter(|&m| m < text.len()) {
        let cut = (0..=m).rev().find(|&k| text.is_char_boundary(k)).unwrap_or(0);
        text.truncate(cut);
    }
    Ok(text)
}
