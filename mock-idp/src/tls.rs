//! HTTPS for the mock IdP: a local test CA (created once and kept, or given) that issues the
//! server certificate, and an axum listener that completes TLS handshakes off the accept loop
//! (a client that stalls its handshake holds up no one, and is dropped after a timeout).

use std::net::SocketAddr;
use std::path::Path;
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
    AuthorityKeyIdentifier, BasicConstraints, ExtendedKeyUsage, KeyUsage, SubjectAlternativeName,
    SubjectKeyIdentifier,
};
use openssl::x509::{X509NameBuilder, X509};
use tokio::net::{TcpListener, TcpStream};
use tokio_openssl::SslStream;

/// How long a client may take to finish its TLS handshake.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Handshakes finished but not yet taken by the server.
const PENDING: usize = 64;

/// Connections in their handshake at once; further ones wait in the kernel's backlog.
pub const MAX_HANDSHAKES: usize = 256;

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
    /// told to trust it keeps trusting it across restarts. The directory is made private
    /// (0700) and one that others may write to is refused: whoever controls it controls what
    /// the clients told to trust it will trust.
    pub fn in_dir(dir: &Path) -> Result<TestCa, TlsError> {
        let (cert_path, key_path) = (dir.join(CA_CERT_FILE), dir.join("ca.key.pem"));
        let io = |what: &'static str, path: &Path| {
            let path = path.display().to_string();
            move |source| TlsError::File { what, path, source }
        };
        private_dir(dir).map_err(io("cannot use the CA directory", dir))?;
        match (cert_path.is_file(), key_path.is_file()) {
            (true, true) => return Self::from_files(&cert_path, &key_path),
            (false, false) => {}
            _ => {
                return Err(TlsError::File {
                    what: "only half of the test CA is in",
                    path: dir.display().to_string(),
                    source: std::io::Error::other(
                        "ca.pem and ca.key.pem go together; remove the one left, or give another --tls-dir",
                    ),
                })
            }
        }
        let ca = Self::generate()?;
        let key_pem = ca
            .key
            .private_key_to_pem_pkcs8()
            .map_err(ssl("cannot encode the CA key"))?;
        write_new(&key_path, &key_pem, 0o600).map_err(io("cannot write", &key_path))?;
        write_new(&cert_path, &ca.cert_pem()?, 0o644).map_err(io("cannot write", &cert_path))?;
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
            return Err(TlsError::File {
                what: "the CA key does not belong to the certificate",
                path: cert.display().to_string(),
                source: std::io::Error::other(format!("{} holds another key", key.display())),
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
        // A CN of its own: a CA made again after the first was deleted must not be taken
        // for the one a client already trusts.
        let tag = serial()
            .and_then(|n| n.to_bn())
            .and_then(|n| {
                n.to_hex_str()
                    .map(|h| h.chars().take(8).collect::<String>())
            })
            .map_err(ssl("cannot build the CA"))?;
        name.append_entry_by_text("CN", &format!("saml-harness local test CA {tag}"))
            .map_err(ssl("cannot build the CA"))?;
        let name = name.build();
        let built = (|| -> Result<(), ErrorStack> {
            b.set_version(2)?;
            let serial = serial()?;
            b.set_serial_number(&serial)?;
            b.set_subject_name(&name)?;
            b.set_issuer_name(&name)?;
            b.set_pubkey(&key)?;
            let from = yesterday()?;
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
            let ski = SubjectKeyIdentifier::new().build(&b.x509v3_context(None, None))?;
            b.append_extension(ski)?;
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
            let from = yesterday()?;
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
            let ski =
                SubjectKeyIdentifier::new().build(&b.x509v3_context(Some(&self.cert), None))?;
            b.append_extension(ski)?;
            let aki = AuthorityKeyIdentifier::new()
                .keyid(true)
                .build(&b.x509v3_context(Some(&self.cert), None))?;
            b.append_extension(aki)?;
            b.sign(&self.key, MessageDigest::sha256())?;
            Ok(())
        })();
        built.map_err(ssl("cannot issue the server certificate"))?;
        Ok((b.build(), key))
    }

    /// A TLS acceptor presenting a certificate for `hosts` issued by this CA; a CA whose
    /// certificate cannot vouch for it (not a CA, expired) is refused here, not by clients.
    pub fn acceptor(&self, hosts: &[String]) -> Result<SslAcceptor, TlsError> {
        let (cert, key) = self.issue(hosts)?;
        self.vouches_for(&cert)?;
        let mut a = SslAcceptor::mozilla_intermediate_v5(SslMethod::tls())
            .map_err(ssl("cannot set up TLS"))?;
        a.set_private_key(&key).map_err(ssl("cannot set up TLS"))?;
        a.set_certificate(&cert).map_err(ssl("cannot set up TLS"))?;
        a.add_extra_chain_cert(self.cert.clone())
            .map_err(ssl("cannot set up TLS"))?;
        Ok(a.build())
    }
}

/// Creates `dir` (0700) or checks an existing one is not writable by group or others.
fn private_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
        if !dir.exists() {
            std::fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(dir)?;
        }
        let mode = std::fs::metadata(dir)?.permissions().mode();
        if mode & 0o022 != 0 {
            return Err(std::io::Error::other(format!(
                "others may write to it (mode {:o}); give a private --tls-dir",
                mode & 0o777
            )));
        }
        Ok(())
    }
    #[cfg(not(unix))]
    {
        std::fs::create_dir_all(dir)
    }
}

/// Writes a file that must not exist yet, with `mode` from the start (never readable by
/// others in between, never through a planted link).
fn write_new(path: &Path, bytes: &[u8], mode: u32) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(mode);
    }
    #[cfg(not(unix))]
    let _ = mode;
    options.open(path)?.write_all(bytes)
}

/// A day ago: a client whose clock lags a little still sees the certificate as valid.
fn yesterday() -> Result<Asn1Time, ErrorStack> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    Asn1Time::from_unix(now - 86_400)
}

impl TestCa {
    /// Whether a client trusting this CA accepts `cert` as a server certificate (OpenSSL's
    /// strict checks).
    fn vouches_for(&self, cert: &X509) -> Result<(), TlsError> {
        use openssl::x509::store::X509StoreBuilder;
        use openssl::x509::verify::X509VerifyFlags;
        let verdict = (|| -> Result<openssl::x509::X509VerifyResult, ErrorStack> {
            let mut store = X509StoreBuilder::new()?;
            store.add_cert(self.cert.clone())?;
            store.set_flags(X509VerifyFlags::X509_STRICT)?;
            store.set_purpose(openssl::x509::X509PurposeId::SSL_SERVER)?;
            let store = store.build();
            let chain = openssl::stack::Stack::new()?;
            let mut ctx = openssl::x509::X509StoreContext::new()?;
            ctx.init(&store, cert, &chain, |c| {
                c.verify_cert()?;
                Ok(c.error())
            })
        })()
        .map_err(ssl("cannot verify the server certificate"))?;
        if verdict.as_raw() == 0 {
            return Ok(());
        }
        Err(TlsError::File {
            what: "clients would refuse certificates issued by the CA",
            path: format!("{:?}", self.cert.subject_name()),
            source: std::io::Error::other(format!(
                "{} (is it a CA certificate, and still valid?)",
                verdict.error_string()
            )),
        })
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
        let slots = std::sync::Arc::new(tokio::sync::Semaphore::new(MAX_HANDSHAKES));
        tokio::spawn(async move {
            loop {
                let accepted = tokio::select! {
                    // The server dropped the listener: stop accepting (and free the port).
                    () = tx.closed() => return,
                    slot = slots.clone().acquire_owned() => match slot {
                        Ok(slot) => tcp.accept().await.map(|conn| (conn, slot)),
                        Err(_) => return,
                    },
                };
                let ((stream, peer), slot) = match accepted {
                    Ok(ok) => ok,
                    // One connection that went away: nothing to wait for.
                    Err(e)
                        if matches!(
                            e.kind(),
                            std::io::ErrorKind::ConnectionAborted
                                | std::io::ErrorKind::ConnectionReset
                                | std::io::ErrorKind::ConnectionRefused
                        ) =>
                    {
                        continue
                    }
                    // Out of file descriptors and the like: wait, as axum's own loop does.
                    Err(_) => {
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let (tx, acceptor) = (tx.clone(), acceptor.clone());
                tokio::spawn(async move {
                    let _slot = slot;
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

    #[test]
    fn the_chain_passes_openssls_strict_server_verification() {
        use openssl::stack::Stack;
        use openssl::x509::store::X509StoreBuilder;
        use openssl::x509::verify::X509VerifyFlags;
        use openssl::x509::X509StoreContext;
        let ca = TestCa::generate().unwrap();
        let (cert, _) = ca.issue(&["127.0.0.1".into(), "localhost".into()]).unwrap();
        let mut store = X509StoreBuilder::new().unwrap();
        store.add_cert(ca.cert.clone()).unwrap();
        store.set_flags(X509VerifyFlags::X509_STRICT).unwrap();
        store
            .set_purpose(openssl::x509::X509PurposeId::SSL_SERVER)
            .unwrap();
        let store = store.build();
        let chain = Stack::new().unwrap();
        let mut ctx = X509StoreContext::new().unwrap();
        let ok = ctx
            .init(&store, &cert, &chain, |c| {
                c.verify_cert()?;
                Ok(c.error())
            })
            .unwrap();
        assert_eq!(ok.as_raw(), 0, "{}", ok.error_string());
        ca.vouches_for(&cert).unwrap();
        // A server certificate given as the CA cannot issue.
        let dir = tempfile::tempdir().unwrap();
        let (leaf, leaf_key) = ca.issue(&["localhost".into()]).unwrap();
        let (c, k) = (dir.path().join("c.pem"), dir.path().join("k.pem"));
        std::fs::write(&c, leaf.to_pem().unwrap()).unwrap();
        std::fs::write(&k, leaf_key.private_key_to_pem_pkcs8().unwrap()).unwrap();
        let not_a_ca = TestCa::from_files(&c, &k).unwrap();
        let err = not_a_ca
            .acceptor(&["localhost".into()])
            .err()
            .unwrap()
            .to_string();
        assert!(
            err.contains("clients would refuse certificates issued by the CA"),
            "{err}"
        );
        // Two CAs made apart have names of their own.
        assert_ne!(
            format!("{:?}", ca.cert.subject_name()),
            format!("{:?}", TestCa::generate().unwrap().cert.subject_name())
        );
    }

    #[cfg(unix)]
    #[test]
    fn the_ca_key_is_private_and_a_directory_others_can_write_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let kept = dir.path().join("tls");
        TestCa::in_dir(&kept).unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&kept), 0o700);
        assert_eq!(mode(&kept.join("ca.key.pem")), 0o600);
        std::fs::remove_file(kept.join(CA_CERT_FILE)).unwrap();
        let err = TestCa::in_dir(&kept).err().unwrap().to_string();
        assert!(err.contains("only half of the test CA"), "{err}");
        let shared = dir.path().join("shared");
        std::fs::create_dir(&shared).unwrap();
        std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o777)).unwrap();
        let err = TestCa::in_dir(&shared).err().unwrap().to_string();
        assert!(err.contains("others may write to it (mode 777)"), "{err}");
        assert!(!shared.join(CA_CERT_FILE).exists());
    }
}
