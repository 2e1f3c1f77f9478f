//! URLs as logs and `Debug` show them: a URL a deployment is given may
//! carry a credential (`user:password@`, a `?token=` query, a path segment
//! a webhook platform issued), and secrets never reach logs (issue 26).

/// `scheme://host[:port]`: a URL's origin, nothing that may be a secret.
pub fn origin(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    if scheme.is_empty() {
        host.to_owned()
    } else {
        format!("{scheme}://{host}")
    }
}

/// `scheme://host[:port]/path`: without user information, query or
/// fragment (an OTLP endpoint's path says which collector route it is).
pub fn without_credentials(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let before_query = rest.split(['?', '#']).next().unwrap_or_default();
    let (authority, path) = before_query
        .split_once('/')
        .map_or((before_query, ""), |(a, p)| (a, p));
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let path = if path.is_empty() {
        String::new()
    } else {
        format!("/{path}")
    };
    if scheme.is_empty() {
        format!("{host}{path}")
    } else {
        format!("{scheme}://{host}{path}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_queries_and_paths_are_left_out() {
        let url = "https://user:pw@collector.example:4318/v1/traces?api-key=k#f";
        assert_eq!(origin(url), "https://collector.example:4318");
        assert_eq!(
            without_credentials(url),
            "https://collector.example:4318/v1/traces"
        );
        assert_eq!(origin("http://h"), "http://h");
        assert_eq!(without_credentials("http://h?token=t"), "http://h");
        assert_eq!(without_credentials("h:1/p"), "h:1/p");
    }
}
