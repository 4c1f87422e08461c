//! HTTPS for the mock IdP: a local test CA (created once and kept, or given) that issues the
//! server certificate, and an axum listener that completes TLS handshakes off the accept loop
//! (a client that stalls its handshake holds up no one, and is dropped after a timeout).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::time::Duration;

use openssl::asn1::{Asn1Integer, Asn1Time};
use openssl::bn::{BigNum, MsbOption};
use openssl::error::ErrorStack;
use openssl::hash::MessageDigest;
use openssl::pkey::{PKey, Private};
use openssl::rsa::Rsa;
use openssl::ssl::{Ssl, SslAcceptor, SslMethod};
use openssl::x509::extension::{
    BasicConstraints, ExtendedKeyUsage, KeyUsage, SubjectAlternativeName,
};
use openssl::x509::{X509NameBuilder, X509};
use tokio::net::{TcpListener, TcpStream};
use tokio_openssl::SslStream;

/// How long a client may take to finish its TLS handshake.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Handshakes finished but not yet taken by the server.
const PENDING: usize = 64;

/// A TLS problem: reading or writing the CA, or OpenSSL.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// A CA file could not be read or written.
    #[error("{what} {path}: {source}")]
    File {
        what: &'static str,
        path: String,
        #[source]
        source: std::io::Error,
    },
    /// OpenSSL refused (a file that is not PEM, a key that does not match …).
    #[error("{what}: {source}")]
    OpenSsl {
        what: &'static str,
        #[source]
        source: ErrorStack,
    },
}

fn ssl(what: &'static str) -> impl FnOnce(ErrorStack) -> TlsError {
    move |source| TlsError::OpenSsl { what, source }
}

/// A certificate authority for local tests: it signs the server certificate of `idp serve
/// --tls`; a client trusts the mock by trusting its certificate.
pub struct TestCa {
    cert: X509,
    key: PKey<Private>,
}

/// The CA certificate's file name in its directory (the key sits beside it as `ca.key.pem`).
pub const CA_CERT_FILE: &str = "ca.pem";

impl TestCa {
    /// The CA in `dir` (`ca.pem`, `ca.key.pem`), created there on first use so that a client
    /// told to trust it keeps trusting it across restarts.
    pub fn in_dir(dir: &Path) -> Result<TestCa, TlsError> {
        let (cert_path, key_path) = (dir.join(CA_CERT_FILE), dir.join("ca.key.pem"));
        if cert_path.is_file() && key_path.is_file() {
            return Self::from_files(&cert_path, &key_path);
        }
        let ca = Self::generate()?;
        let write = |path: &PathBuf, bytes: Vec<u8>| {
            std::fs::create_dir_all(dir)
                .and_then(|()| std::fs::write(path, bytes))
                .map_err(|source| TlsError::File {
                    what: "cannot write",
                    path: path.display().to_string(),
                    source,
                })
        };
        let key_pem = ca
            .key
            .private_key_to_pem_pkcs8()
            .map_err(ssl("cannot encode the CA key"))?;
        write(&key_path, key_pem)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(&key_path, std::fs::Permissions::from_mode(0o600));
        }
        write(&cert_path, ca.cert_pem()?)?;
        Ok(ca)
    }

    /// A CA from its PEM certificate and PEM private key.
    pub fn from_files(cert: &Path, key: &Path) -> Result<TestCa, TlsError> {
        let read = |path: &Path| {
            std::fs::read(path).map_err(|source| TlsError::File {
                what: "cannot read",
                path: path.display().to_string(),
                source,
            })
        };
        let ca = TestCa {
            cert: X509::from_pem(&read(cert)?).map_err(ssl("the CA certificate is not PEM"))?,
            key: PKey::private_key_from_pem(&read(key)?).map_err(ssl("the CA key is not PEM"))?,
        };
        let matches = ca
            .cert
            .public_key()
            .map(|p| p.public_eq(&ca.key))
            .unwrap_or(false);
        if !matches {
            return Err(TlsError::OpenSsl {
                what: "the CA key does not belong to the CA certificate",
                source: ErrorStack::get(),
            });
        }
        Ok(ca)
    }

    /// A fresh CA: RSA-2048, ten years.
    pub fn generate() -> Result<TestCa, TlsError> {
        let key = PKey::from_rsa(Rsa::generate(2048).map_err(ssl("cannot make a key"))?)
            .map_err(ssl("cannot make a key"))?;
        let mut b = X509::builder().map_err(ssl("cannot build the CA"))?;
        let mut name = X509NameBuilder::new().map_err(ssl("cannot build the CA"))?;
        name.append_entry_by_text("CN", "saml-harness local test CA")
            .map_err(ssl("cannot build the CA"))?;
        let name = name.build();
        let built = (|| -> Result<(), ErrorStack> {
            b.set_version(2)?;
            let serial = serial()?;
            b.set_serial_number(&serial)?;
            b.set_subject_name(&name)?;
            b.set_issuer_name(&name)?;
            b.set_pubkey(&key)?;
            let from = Asn1Time::days_from_now(0)?;
            b.set_not_before(&from)?;
            let until = Asn1Time::days_from_now(3650)?;
            b.set_not_after(&until)?;
            b.append_extension(BasicConstraints::new().critical().ca().build()?)?;
            b.append_extension(
                KeyUsage::new()
                    .critical()
                    .key_cert_sign()
                    .crl_sign()
                    .build()?,
            )?;
            b.sign(&key, MessageDigest::sha256())?;
            Ok(())
        })();
        built.map_err(ssl("cannot build the CA"))?;
        Ok(TestCa {
            cert: b.build(),
            key,
        })
    }

    /// The CA certificate as PEM (what a client is told to trust).
    pub fn cert_pem(&self) -> Result<Vec<u8>, TlsError> {
        self.cert.to_pem().map_err(ssl("cannot encode the CA"))
    }

    /// A server certificate for `hosts` (DNS names or IP addresses), valid for a year.
    pub fn issue(&self, hosts: &[String]) -> Result<(X509, PKey<Private>), TlsError> {
        let key = PKey::from_rsa(Rsa::generate(2048).map_err(ssl("cannot make a key"))?)
            .map_err(ssl("cannot make a key"))?;
        let mut b = X509::builder().map_err(ssl("cannot issue"))?;
        let built = (|| -> Result<(), ErrorStack> {
            let mut name = X509NameBuilder::new()?;
            name.append_entry_by_text("CN", hosts.first().map_or("localhost", String::as_str))?;
            let name = name.build();
            b.set_version(2)?;
            let serial = serial()?;
            b.set_serial_number(&serial)?;
            b.set_subject_name(&name)?;
            b.set_issuer_name(self.cert.subject_name())?;
            b.set_pubkey(&key)?;
            let from = Asn1Time::days_from_now(0)?;
            b.set_not_before(&from)?;
            let until = Asn1Time::days_from_now(365)?;
            b.set_not_after(&until)?;
            let mut san = SubjectAlternativeName::new();
            for h in hosts {
                if h.parse::<std::net::IpAddr>().is_ok() {
                    san.ip(h);
                } else {
                    san.dns(h);
                }
            }
            let san = san.build(&b.x509v3_context(Some(&self.cert), None))?;
            b.append_extension(san)?;
            b.append_extension(BasicConstraints::new().build()?)?;
            b.append_extension(
                KeyUsage::new()
                    .critical()
                    .digital_signature()
                    .key_encipherment()
                    .build()?,
            )?;
            b.append_extension(ExtendedKeyUsage::new().server_auth().build()?)?;
            b.sign(&self.key, MessageDigest::sha256())?;
            Ok(())
        })();
        built.map_err(ssl("cannot issue the server certificate"))?;
        Ok((b.build(), key))
    }

    /// A TLS acceptor presenting a certificate for `hosts` issued by this CA.
    pub fn acceptor(&self, hosts: &[String]) -> Result<SslAcceptor, TlsError> {
        let (cert, key) = self.issue(hosts)?;
        let mut a = SslAcceptor::mozilla_intermediate_v5(SslMethod::tls())
            .map_err(ssl("cannot set up TLS"))?;
        a.set_private_key(&key).map_err(ssl("cannot set up TLS"))?;
        a.set_certificate(&cert).map_err(ssl("cannot set up TLS"))?;
        a.add_extra_chain_cert(self.cert.clone())
            .map_err(ssl("cannot set up TLS"))?;
        Ok(a.build())
    }
}

fn serial() -> Result<Asn1Integer, ErrorStack> {
    let mut n = BigNum::new()?;
    n.rand(127, MsbOption::MAYBE_ZERO, false)?;
    n.to_asn1_integer()
}

/// A listener whose connections arrive with TLS already set up; pass it to `axum::serve`.
pub struct TlsListener {
    ready: tokio::sync::mpsc::Receiver<(SslStream<TcpStream>, SocketAddr)>,
    local: SocketAddr,
}

impl TlsListener {
    /// Accepts on `tcp` and completes each handshake in its own task (at most
    /// [`HANDSHAKE_TIMEOUT`]); failed handshakes are dropped.
    pub fn new(tcp: TcpListener, acceptor: SslAcceptor) -> std::io::Result<TlsListener> {
        let local = tcp.local_addr()?;
        let (tx, ready) = tokio::sync::mpsc::channel(PENDING);
        let acceptor = std::sync::Arc::new(acceptor);
        tokio::spawn(async move {
            loop {
                let Ok((stream, peer)) = tcp.accept().await else {
                    // Out of file descriptors and the like: wait, as axum's own loop does.
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                };
                if tx.is_closed() {
                    return;
                }
                let (tx, acceptor) = (tx.clone(), acceptor.clone());
                tokio::spawn(async move {
                    let Ok(ssl) = Ssl::new(acceptor.context()) else {
                        return;
                    };
                    let Ok(mut tls) = SslStream::new(ssl, stream) else {
                        return;
                    };
                    let shake =
                        tokio::time::timeout(HANDSHAKE_TIMEOUT, Pin::new(&mut tls).accept());
                    if let Ok(Ok(())) = shake.await {
                        let _ = tx.send((tls, peer)).await;
                    }
                });
            }
        });
        Ok(TlsListener { ready, local })
    }
}

impl axum::serve::Listener for TlsListener {
    type Io = SslStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.ready.recv().await {
            Some(conn) => conn,
            // The accept task ended: nothing more will come.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        Ok(self.local)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ca_is_kept_in_its_directory_and_issues_for_ips_and_names() {
        let dir = tempfile::tempdir().unwrap();
        let first = TestCa::in_dir(dir.path()).unwrap();
        let again = TestCa::in_dir(dir.path()).unwrap();
        assert_eq!(first.cert_pem().unwrap(), again.cert_pem().unwrap());
        let (cert, _) = first
            .issue(&["127.0.0.1".into(), "localhost".into()])
            .unwrap();
        assert!(cert.verify(&first.cert.public_key().unwrap()).unwrap());
        let names = cert.subject_alt_names().unwrap();
        assert_eq!(names.len(), 2);
        assert_eq!(
            names.get(0).unwrap().ipaddress(),
            Some(&[127u8, 0, 0, 1][..])
        );
        assert_eq!(names.get(1).unwrap().dnsname(), Some("localhost"));
        let other = TestCa::generate().unwrap();
        let err = TestCa::from_files(&dir.path().join(CA_CERT_FILE), &{
            let p = dir.path().join("other.key.pem");
            std::fs::write(&p, other.key.private_key_to_pem_pkcs8().unwrap()).unwrap();
            p
        })
        .err()
        .unwrap()
        .to_string();
        assert!(err.contains("does not belong"), "{err}");
    }
}
