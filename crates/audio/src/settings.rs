//! The settings of the audio storage, with the secret kept out of every log line.

/// A credential: shown as `<redacted>` by `Debug` and `Display`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The value itself, for the one place that must send it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

impl std::fmt::Display for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

/// Where audio objects are kept (`MEDLEY_STORAGE_*`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StorageConfig {
    /// A folder (`/srv/medley/audio`, `file:///srv/medley/audio`) or `s3://BUCKET/PREFIX`.
    pub url: String,
    /// The S3 endpoint, for stores other than AWS (`http://127.0.0.1:8333`); plain HTTP is
    /// allowed when the endpoint says `http://`.
    pub endpoint: Option<String>,
    /// The S3 region (default `us-east-1`).
    pub region: Option<String>,
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<Secret>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_secret_never_shows() {
        let config = StorageConfig {
            url: "s3://b/p".into(),
            secret_access_key: Some(Secret::new("hunter2")),
            ..Default::default()
        };
        assert!(!format!("{config:?}").contains("hunter2"));
        assert_eq!(Secret::new("hunter2").to_string(), "<redacted>");
    }
}
