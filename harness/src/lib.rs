//! saml-harness: a SAML 2.0 conformance and testing harness for Microsoft Entra ID
//! integrations. The library holds everything; `main.rs` only parses the command line.

pub mod canary;
pub mod check;
pub mod check_cmd;
pub mod conformance_cmd;
pub mod demo;
pub mod driver;
pub mod findings;
pub mod flow;
pub mod fuzz;
pub mod fuzz_cmd;
pub mod html;
pub mod idp_cmd;
pub mod judge;
pub mod load;
pub mod oracle;
pub mod reload;
pub mod report;
pub mod respond;
pub mod run_cmd;
pub mod runner;
pub mod runtime;
pub mod sample;
pub mod sarif;
pub mod scenario;
pub mod scim_cmd;
pub mod sp_cmd;
pub mod validate_cmd;
pub mod validator;
pub mod vendor;
pub mod vendor_cmd;

/// Prints a line to stdout, ignoring a closed pipe: a server's banner must not kill the server
/// when whoever started it stops reading.
#[macro_export]
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

/// `--listen`: `IP:PORT`, or `HOST:PORT` with a host name such as `localhost` (its first
/// address, IPv4 preferred).
pub fn parse_listen(s: &str) -> Result<std::net::SocketAddr, String> {
    use std::net::ToSocketAddrs;
    if let Ok(addr) = s.parse() {
        return Ok(addr);
    }
    let bad = |why: String| {
        format!("cannot listen on {s:?}: {why}; hint: give HOST:PORT, e.g. 127.0.0.1:7081 or localhost:0")
    };
    let addrs: Vec<std::net::SocketAddr> = s
        .to_socket_addrs()
        .map_err(|e| bad(e.to_string()))?
        .collect();
    addrs
        .iter()
        .find(|a| a.is_ipv4())
        .or(addrs.first())
        .copied()
        .ok_or_else(|| bad("the name resolves to no address".into()))
}

/// One row of a `--help` list: `name` padded to `width`, then `text` wrapped at 100 columns
/// under itself, so clap never breaks a row mid-sentence.
pub fn hanging(name: &str, width: usize, text: &str) -> String {
    let indent = 4 + width + 2;
    let mut out = format!("    {name:<width$}  ");
    let mut column = indent;
    for (i, word) in text.split_whitespace().enumerate() {
        if i > 0 && column + 1 + word.chars().count() > 100 {
            out.push('\n');
            out.push_str(&" ".repeat(indent));
            column = indent;
        } else if i > 0 {
            out.push(' ');
            column += 1;
        }
        out.push_str(word);
        column += word.chars().count();
    }
    out.push('\n');
    out
}

/// An error in what the user asked for (flags, config or scenario file): exit status 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

#[cfg(test)]
mod tests {
    #[test]
    fn listen_takes_an_address_or_a_host_name() {
        assert_eq!(
            super::parse_listen("127.0.0.1:0").unwrap().to_string(),
            "127.0.0.1:0"
        );
        assert!(super::parse_listen("localhost:0")
            .unwrap()
            .ip()
            .is_loopback());
        let err = super::parse_listen("localhost").unwrap_err();
        assert!(err.contains("localhost:0"), "{err}");
    }
}
