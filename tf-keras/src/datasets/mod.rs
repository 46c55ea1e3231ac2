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
    /// ```no_run
    /// use tf_core as tf;
    /// use tf_keras::datasets::fashion_mnist;
    /// let ((x_train, y_train), (x_test, _y_test)) = fashion_mnist::load_data()?;
    /// assert_eq!(x_train.shape().dims(), &[60000, 28, 28]);
    /// assert_eq!((x_train.dtype(), y_train.dtype()), (tf::uint8, tf::uint8));
    /// let x_test = tf::cast(&x_test, tf::float32) / 255.0; // as the tutorial scales it
    /// # Ok::<(), tf::Error>(())
    /// ```
    ///
    /// # Errors
    /// `NotFound` listing where it looked and how to install the data; `DataLoss` for a
    /// damaged file, naming it.
    pub fn load_data() -> Result<((Tensor, Tensor), (Tensor, Tensor))> {
        super::idx::load("fashion-mnist", "apt-get install -y dataset-fashion-mnist")
    }

    /// `load_data()` from the four IDX `.gz` files in `dir`.
    ///
    /// ```
    /// use tf_keras::datasets::fashion_mnist;
    /// let err = fashion_mnist::load_data_from("/nonexistent").unwrap_err().to_string();
    /// assert!(err.contains("/nonexistent"), "{err}");
    /// ```
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
