//! `CORS_ALLOWED_ORIGINS` (SPEC §1.6): which browser origins may call the
//! API and PUT to, GET from and HEAD the store. The API's CORS layer, the
//! embedded store and `media-cli storage cors` read the same value.

use super::ConfigError;

/// The origins browsers may call from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AllowedOrigins {
    /// `*`: any origin.
    Any,
    /// Exact origins, `scheme://host[:port]`, in lower case (how browsers
    /// serialize an `Origin` header). Empty: no browser origin.
    Exact(Vec<String>),
    /// Development mode's default: `http://localhost:*` and `http://127.0.0.1:*`.
    Loopback,
}

impl AllowedOrigins {
    /// No origin at all (the default outside development mode).
    pub fn none() -> Self {
        Self::Exact(Vec::new())
    }

    /// Whether an `Origin` header's value is allowed.
    pub fn allows(&self, origin: &[u8]) -> bool {
        match self {
            Self::Any => true,
            Self::Exact(list) => list.iter().any(|o| o.as_bytes() == origin),
            Self::Loopback => ["http://localhost", "http://127.0.0.1"].iter().any(|host| {
                origin.strip_prefix(host.as_bytes()).is_some_and(|rest| {
                    rest.is_empty()
                        || rest.strip_prefix(b":").is_some_and(|port| {
                            !port.is_empty()
                                && port.len() <= 5
                                && port.iter().all(u8::is_ascii_digit)
                        })
                })
            }),
        }
    }

    /// True when no origin is allowed.
    pub fn is_none(&self) -> bool {
        matches!(self, Self::Exact(list) if list.is_empty())
    }

    /// The origins as an S3 bucket CORS rule writes them (`AllowedOrigins`):
    /// `*`, the exact list, or one wildcard per loopback host.
    pub fn rule_origins(&self) -> Vec<String> {
        match self {
            Self::Any => vec!["*".to_owned()],
            Self::Exact(list) => list.clone(),
            Self::Loopback => vec![
                "http://localhost:*".to_owned(),
                "http://127.0.0.1:*".to_owned(),
            ],
        }
    }
}

/// Reads `CORS_ALLOWED_ORIGINS`; unset means [`AllowedOrigins::Loopback`]
/// in development mode and no origin otherwise.
pub(super) fn allowed_origins(
    raw: Option<String>,
    development: bool,
) -> Result<AllowedOrigins, ConfigError> {
    let Some(raw) = raw else {
        return Ok(if development {
            AllowedOrigins::Loopback
        } else {
            AllowedOrigins::none()
        });
    };
    if raw.trim() == "*" {
        return Ok(AllowedOrigins::Any);
    }
    let mut list = Vec::new();
    for item in raw.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let origin = origin(item).ok_or_else(|| {
            ConfigError(format!(
                "CORS_ALLOWED_ORIGINS: {item:?} is not an origin like https://app.example.com (scheme://host[:port], no path), nor a lone *"
            ))
        })?;
        if !list.contains(&origin) {
            list.push(origin);
        }
    }
    Ok(AllowedOrigins::Exact(list))
}

/// `scheme://host[:port]` in lower case, or `None`.
fn origin(raw: &str) -> Option<String> {
    let lower = raw.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"))?;
    let (host, port) = match rest.rsplit_once(':') {
        // An IPv6 literal's colons are inside its brackets.
        Some((host, port)) if !port.contains(']') => (host, Some(port)),
        _ => (rest, None),
    };
    let host_ok = !host.is_empty()
        && (host.starts_with('[') && host.ends_with(']')
            || host
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-'));
    let port_ok = port.is_none_or(|p| p.parse::<u16>().is_ok_and(|n| n > 0));
    (host_ok && port_ok).then_some(lower)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(raw: &str) -> Result<AllowedOrigins, ConfigError> {
        allowed_origins(Some(raw.to_owned()), false)
    }

    #[test]
    fn unset_is_loopback_in_development_and_nothing_otherwise() {
        let dev = allowed_origins(None, true).unwrap();
        for ok in [
            "http://localhost:5173",
            "http://127.0.0.1:8088",
            "http://localhost",
        ] {
            assert!(dev.allows(ok.as_bytes()), "{ok}");
        }
        for refused in [
            "https://localhost:5173",
            "http://localhost.evil.com",
            "http://127.0.0.1:80x",
            "http://127.0.0.1:",
            "http://example.com",
        ] {
            assert!(!dev.allows(refused.as_bytes()), "{refused}");
        }
        let prod = allowed_origins(None, false).unwrap();
        assert!(prod.is_none() && !prod.allows(b"http://localhost:5173"));
    }

    #[test]
    fn a_list_allows_exactly_its_origins() {
        let list = parse("https://App.example.com, http://127.0.0.1:8088,").unwrap();
        assert_eq!(
            list.rule_origins(),
            ["https://app.example.com", "http://127.0.0.1:8088"]
        );
        assert!(list.allows(b"https://app.example.com"));
        assert!(!list.allows(b"https://app.example.com:443x"));
        assert!(!list.allows(b"http://127.0.0.1:8089"));
        assert!(!list.allows(b"http://app.example.com"));
        assert_eq!(parse(" * ").unwrap(), AllowedOrigins::Any);
        assert!(AllowedOrigins::Any.allows(b"https://anything.example"));
    }

    #[test]
    fn a_malformed_origin_is_refused_naming_the_variable() {
        for bad in [
            "app.example.com",
            "https://app.example.com/",
            "https://app.example.com/path",
            "ftp://app.example.com",
            "https://app.example.com:99999",
            "https://user@app.example.com",
            "https://a.example.com,*",
            "http://localhost:*",
        ] {
            let e = parse(bad).unwrap_err().to_string();
            assert!(
                e.contains("CORS_ALLOWED_ORIGINS") && !e.contains('\n'),
                "{bad}: {e}"
            );
        }
        assert!(parse("http://[::1]:8080").is_ok());
    }
}
