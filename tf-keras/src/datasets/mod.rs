//! `keras.datasets`: loaders for the standard datasets, reading the IDX `.gz` files from the
//! usual places — `$KERAS_HOME/datasets/<name>/`, `~/.keras/datasets/<name>/`, and
//! `/usr/share/datasets/<name>/` where Debian's `dataset-<name>` package puts them.

mod idx;

/// `keras.datasets.fashion_mnist`.
pub mod fashion_mnist {
    use tf_core::{Result, Tensor};

    /// `load_data()`: `((x_train, y_train), (x_test, y_test))` as uint8 tensors —
    /// images `[60000, 28, 28]` and `[10000, 28, 28]`, labels `[60000]` and `[10000]`.
    ///
    /// # Errors
    /// `NotFound` listing where it looked and how to install the data; `DataLoss` for a
    /// damaged file, naming it.
    pub fn load_data() -> Result<((Tensor, Tensor), (Tensor, Tensor))> {
        super::idx::load("fashion-mnist", "apt-get install -y dataset-fashion-mnist")
    }

    /// `load_data()` from the four IDX `.gz` files in `dir`.
    ///
    /// # Errors
    /// As [`load_data`].
    pub fn load_data_from(dir: impl AsRef<std::path::Path>) -> Result<((Tensor, Tensor), (Tensor, Tensor))> {
        super::idx::load_dir(dir.as_ref())
    }
}

/// `keras.datasets.mnist`.
pub mod mnist {
    use tf_core::{Result, Tensor};

    /// `load_data()`: `((x_train, y_train), (x_test, y_test))` as uint8 tensors.
    ///
    /// # Errors
    /// `NotFound` listing where it looked and how to install the data; `DataLoss` for a
    /// damaged file, naming it.
    pub fn load_data() -> Result<((Tensor, Tensor), (Tensor, Tensor))> {
        super::idx::load("mnist", "apt-get install -y dataset-mnist")
    }

    /// `load_data()` from the four IDX `.gz` files in `dir`.
    ///
    /// # Errors
    /// As [`load_data`].
    pub fn load_data_from(dir: impl AsRef<std::path::Path>) -> Result<((Tensor, Tensor), (Tensor, Tensor))> {
        super::idx::load_dir(dir.as_ref())
    }
}
