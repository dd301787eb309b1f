//! HTTPS for the test server, as a real cluster has it: a CA generated at
//! start signs the serving certificate (for `127.0.0.1` and `localhost`)
//! and client certificates, which authenticate as their common name the
//! way kube-apiserver's `--client-ca-file` does. A connection without a
//! client certificate is accepted too (it may bring a bearer token).

use std::io;
use std::sync::{Arc, Mutex};

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::server::WebPkiClientVerifier;
use rustls::{RootCertStore, ServerConfig};
use tokio_rustls::TlsAcceptor;

use super::http::lock;

/// A client certificate the CA issued: PEM text for a kubeconfig.
#[derive(Debug, Clone)]
pub struct ClientCertificate {
    pub cert_pem: String,
    pub key_pem: String,
}

/// The server's certificate authority and what it issued.
pub struct Authority {
    issuer: CertifiedIssuer<'static, KeyPair>,
    /// DER of each client certificate issued, with its user name.
    clients: Mutex<Vec<(Vec<u8>, String)>>,
}

impl Authority {
    pub fn generate() -> io::Result<Authority> {
        let mut params = CertificateParams::new(Vec::<String>::new()).map_err(other)?;
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        // A name of its own: two servers' CAs must not look alike (a
        // client would then report a bad signature, not an unknown CA).
        let unique = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        params.distinguished_name.push(
            DnType::CommonName,
            format!("test-apiserver-ca-{}-{unique}", std::process::id()),
        );
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let key = KeyPair::generate().map_err(other)?;
        let issuer = CertifiedIssuer::self_signed(params, key).map_err(other)?;
        Ok(Authority {
            issuer,
            clients: Mutex::new(Vec::new()),
        })
    }

    /// The CA certificate in PEM, for `certificate-authority(-data)`.
    pub fn ca_pem(&self) -> String {
        self.issuer.pem()
    }

    /// A client certificate for `user` (its common name).
    pub fn issue_client(&self, user: &str) -> io::Result<ClientCertificate> {
        let mut params = CertificateParams::new(Vec::<String>::new()).map_err(other)?;
        params.distinguished_name.push(DnType::CommonName, user);
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        let key = KeyPair::generate().map_err(other)?;
        let cert = params.signed_by(&key, &self.issuer).map_err(other)?;
        lock(&self.clients).push((cert.der().to_vec(), user.to_string()));
        Ok(ClientCertificate {
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
        })
    }

    /// The user a presented client certificate stands for.
    pub fn user_of(&self, der: &[u8]) -> Option<String> {
        lock(&self.clients)
            .iter()
            .find(|(issued, _)| issued == der)
            .map(|(_, user)| user.clone())
    }

    /// A TLS acceptor serving a certificate for 127.0.0.1 and localhost,
    /// asking for (not requiring) a client certificate from this CA.
    pub fn acceptor(&self) -> io::Result<TlsAcceptor> {
        let mut params =
            CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()])
                .map_err(other)?;
        params
            .distinguished_name
            .push(DnType::CommonName, "kube-apiserver");
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let key = KeyPair::generate().map_err(other)?;
        let cert = params.signed_by(&key, &self.issuer).map_err(other)?;
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut roots = RootCertStore::empty();
        roots.add(self.issuer.der().clone()).map_err(other)?;
        let verifier =
            WebPkiClientVerifier::builder_with_provider(Arc::new(roots), Arc::clone(&provider))
                .allow_unauthenticated()
                .build()
                .map_err(other)?;
        let chain = vec![cert.der().clone(), self.issuer.der().clone()];
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
        let mut config = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(other)?
            .with_client_cert_verifier(verifier)
            .with_single_cert(chain, key)
            .map_err(other)?;
        // The server speaks HTTP/1.1 only; clients that offer h2 fall back.
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(TlsAcceptor::from(Arc::new(config)))
    }
}

/// The first certificate a client presented, if any.
pub fn peer_certificate(certs: Option<&[CertificateDer<'static>]>) -> Option<Vec<u8>> {
    certs.and_then(|c| c.first()).map(|c| c.to_vec())
}

fn other(e: impl std::fmt::Display) -> io::Error {
    io::Error::other(e.to_string())
}
