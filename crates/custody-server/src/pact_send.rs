//! The owner's side of the asynchronous PACT flow (Tech Specs v3 "Action Events"): the answer to
//! a RequestCreatedEvent is POSTed to `{source}/3/events` of the requester, after authenticating
//! there (OIDC discovery at `{source}/.well-known/openid-configuration`, else
//! `{source}/auth/token`) with the credentials the requester issued to this owner. HTTPS only.
//! One try ([`deliver`]); the retries, kept in the store for up to 72 hours, are
//! `crate::pact_outbox`'s.

use serde_json::Value;
use std::time::Duration;

/// Credentials at requesters' hosts, and extra trusted roots (PEM), e.g. a test's own CA.
#[derive(Debug, Clone, Default)]
pub struct Callback {
    pub client_id: String,
    pub client_secret: String,
    pub ca_pem: Option<Vec<u8>>,
}

/// RFC 3339 UTC of a Unix time (`2025-01-31T12:00:00Z`), by the civil-from-days algorithm
/// (H. Hinnant, "chrono-compatible low-level date algorithms").
pub fn rfc3339(unix: i64) -> String {
    let (days, secs) = (unix.div_euclid(86_400), unix.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", secs / 3600, secs % 3600 / 60, secs % 60)
}

/// A random (version 4) UUID.
pub fn random_uuid() -> String {
    let mut b = [0u8; 16];
    let _ = getrandom::getrandom(&mut b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!("{}-{}-{}-{}-{}", &h[..8], &h[8..12], &h[12..16], &h[16..20], &h[20..])
}

fn client(cb: &Callback) -> Result<reqwest::Client, String> {
    let mut b = reqwest::Client::builder().timeout(Duration::from_secs(10));
    if let Some(pem) = &cb.ca_pem {
        for cert in reqwest::Certificate::from_pem_bundle(pem).map_err(|e| format!("the CA file: {e}"))? {
            b = b.add_root_certificate(cert);
        }
    }
    b.build().map_err(|e| e.to_string())
}

/// Whether `url` is https on the same host and port as `base` (the requester named in `source`).
pub fn same_origin(base: &str, url: &str) -> Result<(), String> {
    let origin = |u: &str| {
        reqwest::Url::parse(u)
            .ok()
            .filter(|p| p.scheme() == "https")
            .map(|p| (p.host_str().map(str::to_string), p.port_or_known_default()))
    };
    match (origin(base), origin(url)) {
        (Some(a), Some(b)) if a == b => Ok(()),
        _ => Err(format!("the token endpoint `{url}` is not https on the requester's host `{base}`: the credentials are not sent there")),
    }
}

/// One delivery attempt. Errors name the step that failed.
pub async fn deliver(source: &str, event: &Value, cb: &Callback) -> Result<(), String> {
    let base = source.trim_end_matches('/');
    if !base.starts_with("https://") {
        return Err(format!("the requester `{source}` is not an https URL"));
    }
    let http = client(cb)?;
    let discovered = match http.get(format!("{base}/.well-known/openid-configuration")).send().await {
        Ok(r) if r.status().is_success() => {
            r.json::<Value>().await.ok().and_then(|v| v["token_endpoint"].as_str().map(str::to_string))
        }
        _ => None,
    };
    let token_url = discovered.unwrap_or_else(|| format!("{base}/auth/token"));
    // The credentials go only to the requester's own host, over https: a discovery document
    // naming another scheme, host or port (plain http, an internal address) is refused, never
    // followed with the secret.
    same_origin(base, &token_url)?;
    let r = http
        .post(&token_url)
        .basic_auth(&cb.client_id, Some(&cb.client_secret))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("grant_type=client_credentials")
        .send()
        .await
        .map_err(|e| format!("token at {token_url}: {e}"))?;
    if !r.status().is_success() {
        return Err(format!("token at {token_url}: HTTP {}", r.status()));
    }
    let token: Value = r.json().await.map_err(|e| format!("token at {token_url}: {e}"))?;
    let token = token["access_token"].as_str().ok_or(format!("token at {token_url}: no access_token"))?;
    let r = http
        .post(format!("{base}/3/events"))
        .bearer_auth(token)
        .header("content-type", "application/cloudevents+json; charset=UTF-8")
        .body(event.to_string())
        .send()
        .await
        .map_err(|e| format!("event to {base}/3/events: {e}"))?;
    if r.status().is_success() {
        Ok(())
    } else {
        Err(format!("event to {base}/3/events: HTTP {}", r.status()))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn credentials_go_only_to_the_requesters_own_https_origin() {
        let base = "https://buyer.example:8443";
        assert!(super::same_origin(base, "https://buyer.example:8443/auth/token").is_ok());
        assert!(super::same_origin("https://buyer.example", "https://buyer.example:443/oauth/token").is_ok());
        for other in [
            "http://buyer.example:8443/auth/token",
            "https://evil.example:8443/auth/token",
            "https://buyer.example:9443/auth/token",
            "https://127.0.0.1/steal",
            "not a url",
        ] {
            assert!(super::same_origin(base, other).is_err(), "{other}");
        }
    }
}
