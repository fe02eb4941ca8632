//! The `--listen` address: `unix:/path`, `udp://IP:PORT` or `tcp://IP:PORT`.
//! Owns its syntax only.

use std::net::SocketAddr;
use std::path::PathBuf;

use crate::error::{Error, ErrorKind};

/// Where to listen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Addr {
    /// `unix:/path`: a unix datagram socket.
    Unix(PathBuf),
    /// `udp://HOST:PORT`.
    Udp(SocketAddr),
    /// `tcp://HOST:PORT`: newline or octet-counted framing per connection.
    Tcp(SocketAddr),
}

impl Addr {
    /// Reads `unix:/path`, `udp://IP:PORT` or `tcp://IP:PORT`.
    pub fn parse(s: &str) -> Result<Addr, Error> {
        let usage = |why: &str| {
            Error::new(
                ErrorKind::Usage,
                format!("--listen '{s}': {why} (use unix:/path, udp://IP:PORT or tcp://IP:PORT)"),
            )
        };
        let ip = |rest: &str| rest.parse::<SocketAddr>().map_err(|_| usage("not IP:PORT"));
        if let Some(p) = s.strip_prefix("unix:") {
            if !p.starts_with('/') {
                return Err(usage("the socket path must be absolute"));
            }
            return Ok(Addr::Unix(PathBuf::from(p)));
        }
        if let Some(r) = s.strip_prefix("udp://") {
            return Ok(Addr::Udp(ip(r)?));
        }
        if let Some(r) = s.strip_prefix("tcp://") {
            return Ok(Addr::Tcp(ip(r)?));
        }
        Err(usage("unknown scheme"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses() {
        assert_eq!(
            Addr::parse("unix:/run/anonlog/nginx.sock").unwrap(),
            Addr::Unix("/run/anonlog/nginx.sock".into())
        );
        assert_eq!(
            Addr::parse("udp://127.0.0.1:5140").unwrap(),
            Addr::Udp("127.0.0.1:5140".parse().unwrap())
        );
        assert_eq!(
            Addr::parse("tcp://[::1]:514").unwrap(),
            Addr::Tcp("[::1]:514".parse().unwrap())
        );
        for bad in [
            "unix:rel.sock",
            "udp://host:1",
            "http://1.2.3.4:5",
            "tcp://1.2.3.4",
        ] {
            assert!(Addr::parse(bad).is_err(), "{bad}");
        }
    }
}
