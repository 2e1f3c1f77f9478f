//! Secrets that must not start a process: values published with the code
//! (the manifests' and compose file's placeholders) and webhook secrets too
//! short to resist guessing (issue 26). Messages name the variable, never
//! the value.

use super::ConfigError;

/// Fewer bytes than this in a shared secret is refused (JWT HS256 keys
/// and the storage webhook's bearer secret alike).
pub(super) const MIN_SECRET_BYTES: usize = 16;

/// Words that only a placeholder contains, compared on the value's
/// letters and digits, lowercased: `CHANGE-ME`, `change_me`, `changeme`.
const PLACEHOLDER_WORDS: [&str; 4] = ["changeme", "replaceme", "placeholder", "yoursecret"];

/// Whether `value` reads as a placeholder rather than a secret.
fn placeholder(value: &str) -> bool {
    let folded: String = value
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    PLACEHOLDER_WORDS.iter().any(|w| folded.contains(w))
}

/// `value` of `var`, refused when it is a placeholder.
pub(super) fn not_placeholder(
    var: &str,
    value: Option<String>,
) -> Result<Option<String>, ConfigError> {
    match value {
        Some(v) if placeholder(&v) => Err(ConfigError(format!(
            "{var} is a placeholder from the examples; set a real secret"
        ))),
        other => Ok(other),
    }
}

/// A shared secret: not a placeholder, at least [`MIN_SECRET_BYTES`].
pub(super) fn shared_secret(
    var: &str,
    value: Option<String>,
) -> Result<Option<String>, ConfigError> {
    let value = not_placeholder(var, value)?;
    if value.as_ref().is_some_and(|s| s.len() < MIN_SECRET_BYTES) {
        return Err(ConfigError(format!(
            "{var} is shorter than {MIN_SECRET_BYTES} bytes"
        )));
    }
    Ok(value)
}
