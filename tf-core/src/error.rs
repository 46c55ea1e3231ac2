//! `tf::Error`, the one public error type, with variants after TensorFlow's status kinds.

/// Errors from anything that touches files, devices or user data.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An argument is malformed: wrong shape, dtype or value.
    #[error("InvalidArgument: {0}")]
    InvalidArgument(String),
    /// A file, key or object does not exist.
    #[error("NotFound: {0}")]
    NotFound(String),
    /// An index or value is outside its allowed range.
    #[error("OutOfRange: {0}")]
    OutOfRange(String),
    /// Stored data is damaged (checksum, truncation, bad framing).
    #[error("DataLoss: {0}")]
    DataLoss(String),
    /// The operation is not supported (for example a device without its feature).
    #[error("Unimplemented: {0}")]
    Unimplemented(String),
    /// An I/O failure, with the path involved.
    #[error("{path}: {source}")]
    Io {
        /// The file or directory.
        path: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
}

impl Error {
    /// An [`Error::Io`] for `path`.
    pub fn io(path: impl AsRef<std::path::Path>, source: std::io::Error) -> Error {
        Error::Io {
            path: path.as_ref().display().to_string(),
            source,
        }
    }
    /// An [`Error::InvalidArgument`] from a caught panic (an op's shape or dtype error):
    /// `what`, then the panic's message.
    pub fn from_panic(what: &str, payload: &(dyn std::any::Any + Send)) -> Error {
        let text = match (payload.downcast_ref::<String>(), payload.downcast_ref::<&str>()) {
            (Some(s), _) => s.as_str(),
            (None, Some(s)) => s,
            (None, None) => "unknown panic",
        };
        Error::InvalidArgument(format!("{what}: {text}"))
    }
}

/// `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
