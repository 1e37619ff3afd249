//! Sprig's cryptographic functions (`crypto.go`): bcrypt and htpasswd, the
//! master-password `derivePassword`, private keys as PEM, certificates (`genCA`,
//! `genSelfSignedCert`, `genSignedCert` and their `WithKey` forms, returning
//! Sprig's `certificate` with `.Cert` and `.Key`), and AES-256-CBC.
//!
//! Keys come from RustCrypto (`rsa`, `dsa`, `p256`, `ed25519-dalek`), certificates
//! are built and signed by `rcgen`. Sprig's messages are kept, including those it
//! returns as results instead of errors. Every operation here charges its cost
//! against the render's step budget, so a template cannot loop on key generation.

use std::net::IpAddr;
use std::rc::Rc;

use aes::cipher::block_padding::NoPadding;
use aes::cipher::{BlockModeDecrypt, BlockModeEncrypt, KeyIvInit};
use data_encoding::BASE64;
use hmac::{Hmac, KeyInit, Mac};
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose, SanType, SerialNumber,
};
use sha2::Sha256;

use super::{Ctx, FuncResult, arg, int_arg, str_arg};
use crate::fmt::format_v;
use crate::gotime::{GoTime, SECOND};
use crate::value::{CertPair, Val};

/// Step costs, roughly proportional to CPU time.
const COST_RSA_4096: u64 = 2_000_000;
const COST_RSA_2048: u64 = 400_000;
const COST_DSA: u64 = 2_000_000;
const COST_SMALL_KEY: u64 = 10_000;
const COST_SCRYPT: u64 = 300_000;
const COST_BCRYPT: u64 = 100_000;
const COST_SIGN: u64 = 20_000;

fn random_bytes(n: usize) -> Result<Vec<u8>, String> {
    let mut buf = vec![0u8; n];
    getrandom::fill(&mut buf).map_err(|e| e.to_string())?;
    Ok(buf)
}

/// Go's `pem.EncodeToMemory`: 64-column base64 between BEGIN and END lines.
fn pem_encode(tag: &str, der: &[u8]) -> String {
    pem::encode_config(
        &pem::Pem::new(tag, der),
        pem::EncodeConfig::new().set_line_ending(pem::LineEnding::LF),
    )
}

pub(crate) fn sha512sum(_: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    use sha2::Digest;
    Ok(Val::str(data_encoding::HEXLOWER.encode(
        &sha2::Sha512::digest(str_arg(&args, 0).as_bytes()),
    )))
}

/// Sprig's `bcrypt` with Go's `bcrypt.DefaultCost` (10) and `$2a$` prefix.
fn bcrypt_hash(ctx: &mut Ctx<'_>, input: &str) -> Result<String, String> {
    if input.len() > 72 {
        return Ok(
            "failed to encrypt string with bcrypt: bcrypt: password length exceeds 72 bytes"
                .to_owned(),
        );
    }
    ctx.charge(COST_BCRYPT)?;
    Ok(match bcrypt::hash_with_result(input, 10) {
        Ok(parts) => parts.format_for_version(bcrypt::Version::TwoA),
        Err(e) => format!("failed to encrypt string with bcrypt: {e}"),
    })
}

pub(crate) fn bcrypt(ctx: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    bcrypt_hash(ctx, str_arg(&args, 0)).map(Val::str)
}

pub(crate) fn htpasswd(ctx: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    let (user, password) = (str_arg(&args, 0), str_arg(&args, 1));
    if user.contains(':') {
        return Ok(Val::str(format!("invalid username: {user}")));
    }
    Ok(Val::str(format!("{user}:{}", bcrypt_hash(ctx, password)?)))
}

const MASTER_PASSWORD_SEED: &str = "com.lyndir.masterpassword";

fn password_templates(kind: &str) -> Option<&'static [&'static str]> {
    Some(match kind {
        "maximum" => &["anoxxxxxxxxxxxxxxxxx", "axxxxxxxxxxxxxxxxxno"],
        "long" => &[
            "CvcvnoCvcvCvcv",
            "CvcvCvcvnoCvcv",
            "CvcvCvcvCvcvno",
            "CvccnoCvcvCvcv",
            "CvccCvcvnoCvcv",
            "CvccCvcvCvcvno",
            "CvcvnoCvccCvcv",
            "CvcvCvccnoCvcv",
            "CvcvCvccCvcvno",
            "CvcvnoCvcvCvcc",
            "CvcvCvcvnoCvcc",
            "CvcvCvcvCvccno",
            "CvccnoCvccCvcv",
            "CvccCvccnoCvcv",
            "CvccCvccCvcvno",
            "CvcvnoCvccCvcc",
            "CvcvCvccnoCvcc",
            "CvcvCvccCvccno",
            "CvccnoCvcvCvcc",
            "CvccCvcvnoCvcc",
            "CvccCvcvCvccno",
        ],
        "medium" => &["CvcnoCvc", "CvcCvcno"],
        "short" => &["Cvcn"],
        "basic" => &["aaanaaan", "aannaaan", "aaannaaa"],
        "pin" => &["nnnn"],
        _ => return None,
    })
}

fn template_characters(class: u8) -> &'static [u8] {
    match class {
        b'V' => b"AEIOU",
        b'C' => b"BCDFGHJKLMNPQRSTVWXYZ",
        b'v' => b"aeiou",
        b'c' => b"bcdfghjklmnpqrstvwxyz",
        b'A' => b"AEIOUBCDFGHJKLMNPQRSTVWXYZ",
        b'a' => b"AEIOUaeiouBCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz",
        b'n' => b"0123456789",
        b'o' => b"@&%?,=[]_:-+*$#!'^~;()/.",
        _ => b"AEIOUaeiouBCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz0123456789!@#$%^&*()",
    }
}

/// Sprig's `derivePassword`: the Master Password algorithm (scrypt N=32768, r=8,
/// p=2 over the user's name, then HMAC-SHA256 over the site and counter).
pub(crate) fn derive_password(ctx: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    let counter = int_arg(&args, 0) as u32;
    let (kind, password, user, site) = (
        str_arg(&args, 1),
        str_arg(&args, 2),
        str_arg(&args, 3),
        str_arg(&args, 4),
    );
    let Some(templates) = password_templates(kind) else {
        return Ok(Val::str(format!("cannot find password template {kind}")));
    };
    ctx.charge(COST_SCRYPT)?;
    let mut salt = MASTER_PASSWORD_SEED.as_bytes().to_vec();
    salt.extend_from_slice(&(user.len() as u32).to_be_bytes());
    salt.extend_from_slice(user.as_bytes());
    let params = scrypt::Params::new(15, 8, 2).map_err(|e| e.to_string())?;
    let mut key = [0u8; 64];
    if let Err(e) = scrypt::scrypt(password.as_bytes(), &salt, &params, &mut key) {
        return Ok(Val::str(format!("failed to derive password: {e}")));
    }
    let mut message = MASTER_PASSWORD_SEED.as_bytes().to_vec();
    message.extend_from_slice(&(site.len() as u32).to_be_bytes());
    message.extend_from_slice(site.as_bytes());
    message.extend_from_slice(&counter.to_be_bytes());
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&key).map_err(|e| e.to_string())?;
    mac.update(&message);
    let seed = mac.finalize().into_bytes();
    let template = templates[usize::from(seed[0]) % templates.len()];
    let out: String = template
        .bytes()
        .enumerate()
        .map(|(i, class)| {
            let chars = template_characters(class);
            char::from(chars[usize::from(seed[i + 1]) % chars.len()])
        })
        .collect();
    Ok(Val::str(out))
}

/// A private key of one of the kinds Sprig generates and reads.
enum PrivateKey {
    Rsa(Box<rsa::RsaPrivateKey>),
    Ec(p256::SecretKey),
    Ed25519([u8; 32]),
    /// DSA (p, q, g, y, x as big-endian bytes): it can be generated and read, but
    /// Go's x509 cannot sign with it.
    Dsa(DsaKey),
}

#[derive(der::Sequence)]
struct DsaKeyFormat {
    version: der::asn1::Uint,
    p: der::asn1::Uint,
    q: der::asn1::Uint,
    g: der::asn1::Uint,
    y: der::asn1::Uint,
    x: der::asn1::Uint,
}

struct DsaKey(Vec<u8>);

impl PrivateKey {
    /// Sprig's `pemBlockForKey`: PKCS #1 for RSA, SEC 1 for EC, OpenSSL's DSA
    /// layout, PKCS #8 for the rest.
    fn to_pem(&self) -> Result<String, String> {
        match self {
            PrivateKey::Rsa(key) => {
                use rsa::pkcs1::EncodeRsaPrivateKey;
                let der = key.to_pkcs1_der().map_err(|e| e.to_string())?;
                Ok(pem_encode("RSA PRIVATE KEY", der.as_bytes()))
            }
            PrivateKey::Ec(key) => {
                let der = key.to_sec1_der().map_err(|e| e.to_string())?;
                Ok(pem_encode("EC PRIVATE KEY", &der))
            }
            PrivateKey::Ed25519(seed) => {
                use ed25519_dalek::pkcs8::EncodePrivateKey;
                let bytes = ed25519_dalek::pkcs8::KeypairBytes {
                    secret_key: *seed,
                    public_key: None,
                };
                let der = bytes.to_pkcs8_der().map_err(|e| e.to_string())?;
                Ok(pem_encode("PRIVATE KEY", der.as_bytes()))
            }
            PrivateKey::Dsa(DsaKey(der)) => Ok(pem_encode("DSA PRIVATE KEY", der)),
        }
    }

    /// The key as `rcgen` signs with it (PKCS #8).
    fn key_pair(&self) -> Result<KeyPair, String> {
        let der: Vec<u8> = match self {
            PrivateKey::Rsa(key) => {
                use rsa::pkcs8::EncodePrivateKey;
                key.to_pkcs8_der()
                    .map_err(|e| e.to_string())?
                    .as_bytes()
                    .to_vec()
            }
            PrivateKey::Ec(key) => {
                use p256::pkcs8::EncodePrivateKey;
                key.to_pkcs8_der()
                    .map_err(|e| e.to_string())?
                    .as_bytes()
                    .to_vec()
            }
            PrivateKey::Ed25519(seed) => {
                use ed25519_dalek::pkcs8::EncodePrivateKey;
                let bytes = ed25519_dalek::pkcs8::KeypairBytes {
                    secret_key: *seed,
                    public_key: None,
                };
                bytes
                    .to_pkcs8_der()
                    .map_err(|e| e.to_string())?
                    .as_bytes()
                    .to_vec()
            }
            PrivateKey::Dsa(_) => {
                return Err(
                    "x509: certificate private key does not implement crypto.Signer".to_owned(),
                );
            }
        };
        KeyPair::try_from(der.as_slice()).map_err(|e| format!("x509: {e}"))
    }
}

/// An RSA key; the caller has charged its cost.
fn generate_rsa(bits: usize) -> Result<PrivateKey, String> {
    let mut rng = rsa::rand_core::OsRng;
    rsa::RsaPrivateKey::new(&mut rng, bits)
        .map(|k| PrivateKey::Rsa(Box::new(k)))
        .map_err(|e| e.to_string())
}

fn generate_ec() -> Result<PrivateKey, String> {
    // A uniformly random scalar; the rare out-of-range draw is retried.
    for _ in 0..16 {
        if let Ok(key) = p256::SecretKey::from_slice(&random_bytes(32)?) {
            return Ok(PrivateKey::Ec(key));
        }
    }
    Err("failed to draw a P-256 scalar".to_owned())
}

fn generate_ed25519() -> Result<PrivateKey, String> {
    let bytes = random_bytes(32)?;
    let mut seed = [0u8; 32];
    seed.copy_from_slice(&bytes);
    Ok(PrivateKey::Ed25519(seed))
}

fn generate_dsa() -> Result<PrivateKey, String> {
    use dsa::{Components, KeySize, SigningKey};
    let mut rng = getrandom_sys_rng::rand_core::UnwrapErr(getrandom_sys_rng::SysRng);
    let components =
        Components::try_generate_from_rng_with_key_size(&mut rng, KeySize::DSA_2048_256)
            .map_err(|e| format!("failed to generate dsa params: {e}"))?;
    let key = SigningKey::try_generate_from_rng_with_components(&mut rng, components)
        .map_err(|e| e.to_string())?;
    let verifying = key.verifying_key();
    let comps = verifying.components();
    let uint = |v: &[u8]| der::asn1::Uint::new(v).map_err(|e| e.to_string());
    let (p, q, g) = (
        comps.p().to_be_bytes(),
        comps.q().to_be_bytes(),
        comps.g().to_be_bytes(),
    );
    let (y, x) = (verifying.y().to_be_bytes(), key.x().to_be_bytes());
    let format = DsaKeyFormat {
        version: der::asn1::Uint::new(&[0]).map_err(|e| e.to_string())?,
        p: uint(&p)?,
        q: uint(&q)?,
        g: uint(&g)?,
        y: uint(&y)?,
        x: uint(&x)?,
    };
    use der::Encode;
    Ok(PrivateKey::Dsa(DsaKey(
        format.to_der().map_err(|e| e.to_string())?,
    )))
}

/// Sprig's `genPrivateKey`: RSA 4096 (also for ""), DSA L2048N256, ECDSA P-256,
/// Ed25519; unknown types and failures are the result text.
pub(crate) fn gen_private_key(ctx: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    let key = match str_arg(&args, 0) {
        "" | "rsa" => {
            ctx.charge(COST_RSA_4096)?;
            generate_rsa(4096)
        }
        "dsa" => {
            ctx.charge(COST_DSA)?;
            match generate_dsa() {
                Ok(key) => Ok(key),
                Err(e) => return Ok(Val::str(e)),
            }
        }
        "ecdsa" => {
            ctx.charge(COST_SMALL_KEY)?;
            generate_ec()
        }
        "ed25519" => {
            ctx.charge(COST_SMALL_KEY)?;
            generate_ed25519()
        }
        other => return Ok(Val::str(format!("Unknown type {other}"))),
    };
    match key.and_then(|k| k.to_pem()) {
        Ok(pem) => Ok(Val::str(pem)),
        Err(e) => Ok(Val::str(format!("failed to generate private key: {e}"))),
    }
}

/// Go's `pem.Decode`: the first PEM block in the text.
fn pem_decode(text: &[u8]) -> Option<pem::Pem> {
    let start = text.windows(11).position(|w| w == b"-----BEGIN ")?;
    pem::parse(&text[start..]).ok()
}

/// Sprig's `parsePrivateKeyPEM`, with its messages.
fn parse_private_key_pem(text: &str) -> Result<PrivateKey, String> {
    let Some(block) = pem_decode(text.as_bytes()) else {
        return Err("no PEM data in input".to_owned());
    };
    let tag = block.tag();
    if tag == "PRIVATE KEY" {
        return parse_pkcs8(block.contents()).map_err(|e| format!("decoding PEM as PKCS#8: {e}"));
    }
    let Some(kind) = tag.strip_suffix(" PRIVATE KEY") else {
        return Err(format!("no private key data in PEM block of type {tag}"));
    };
    match kind {
        "RSA" => {
            use rsa::pkcs1::DecodeRsaPrivateKey;
            rsa::RsaPrivateKey::from_pkcs1_der(block.contents())
                .map(|k| PrivateKey::Rsa(Box::new(k)))
                .map_err(|e| format!("parsing RSA private key from PEM: x509: {e}"))
        }
        "EC" => p256::SecretKey::from_sec1_der(block.contents())
            .map(PrivateKey::Ec)
            .map_err(|e| format!("parsing EC private key from PEM: x509: {e}")),
        "DSA" => {
            use der::Decode;
            DsaKeyFormat::from_der(block.contents())
                .map(|_| PrivateKey::Dsa(DsaKey(block.contents().to_vec())))
                .map_err(|e| format!("parsing DSA private key from PEM: asn1: {e}"))
        }
        _ => Err(format!("invalid private key type {tag}")),
    }
}

/// A PKCS #8 key of a kind Go's `ParsePKCS8PrivateKey` reads and this engine can
/// use: RSA, P-256 or Ed25519.
fn parse_pkcs8(der_bytes: &[u8]) -> Result<PrivateKey, String> {
    {
        use rsa::pkcs8::DecodePrivateKey;
        if let Ok(key) = rsa::RsaPrivateKey::from_pkcs8_der(der_bytes) {
            return Ok(PrivateKey::Rsa(Box::new(key)));
        }
    }
    {
        use p256::pkcs8::DecodePrivateKey;
        if let Ok(key) = p256::SecretKey::from_pkcs8_der(der_bytes) {
            return Ok(PrivateKey::Ec(key));
        }
    }
    {
        use ed25519_dalek::pkcs8::DecodePrivateKey;
        if let Ok(bytes) = ed25519_dalek::pkcs8::KeypairBytes::from_pkcs8_der(der_bytes) {
            return Ok(PrivateKey::Ed25519(bytes.secret_key));
        }
    }
    Err("x509: failed to parse private key (use ParsePKCS1PrivateKey or ParseECPrivateKey, or a supported PKCS #8 key type)".to_owned())
}

/// Sprig's `getNetIPs`.
fn net_ips(v: &Val) -> Result<Vec<IpAddr>, String> {
    let Val::List(items) = v else {
        return Ok(Vec::new());
    };
    items
        .iter()
        .map(|item| {
            let Val::Str(s) = item else {
                return Err(format!(
                    "error parsing ip: {} is not a string",
                    format_v(item, 1 << 16).unwrap_or_default()
                ));
            };
            match s.parse::<IpAddr>() {
                // Go writes IPv4-mapped addresses as IPv4.
                Ok(IpAddr::V6(v6)) => Ok(v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4)),
                Ok(ip) => Ok(ip),
                Err(_) => Err(format!("error parsing ip: {s}")),
            }
        })
        .collect()
}

/// Sprig's `getAlternateDNSStrs`.
fn dns_names(v: &Val) -> Result<Vec<String>, String> {
    let Val::List(items) = v else {
        return Ok(Vec::new());
    };
    items
        .iter()
        .map(|item| match item {
            Val::Str(s) => Ok(s.to_string()),
            other => Err(format!(
                "error processing alternate dns name: {} is not a string",
                format_v(other, 1 << 16).unwrap_or_default()
            )),
        })
        .collect()
}

/// Sprig's `getBaseCertTemplate`: CN, SANs, validity from now for `days` days,
/// digital signature and key encipherment, server and client auth.
fn base_params(
    ctx: &mut Ctx<'_>,
    cn: &str,
    ips: &Val,
    dns: &Val,
    days: i64,
) -> Result<CertificateParams, String> {
    let ips = net_ips(ips)?;
    let dns = dns_names(dns)?;
    let mut params = CertificateParams::default();
    let mut name = DistinguishedName::new();
    if !cn.is_empty() {
        name.push(DnType::CommonName, cn);
    }
    params.distinguished_name = name;
    for d in dns {
        let ia5 = rcgen::string::Ia5String::try_from(d.as_str()).map_err(|_| {
            format!("error creating certificate: x509: {d:?} cannot be encoded as an IA5String")
        })?;
        params.subject_alt_names.push(SanType::DnsName(ia5));
    }
    params
        .subject_alt_names
        .extend(ips.into_iter().map(SanType::IpAddress));
    let mut serial = random_bytes(16)?;
    while serial.len() > 1 && serial[0] == 0 {
        serial.remove(0);
    }
    params.serial_number = Some(SerialNumber::from(serial));
    let clock = ctx.host.now();
    let now = GoTime::now(clock, crate::gotime::Loc::Utc);
    // Go multiplies the Duration without overflow checks.
    let valid = (24 * 3600 * SECOND).wrapping_mul(days);
    let until = now.add(valid);
    let to_offset = |t: &GoTime| {
        time::OffsetDateTime::from_unix_timestamp(t.unix)
            .map_err(|_| "error creating certificate: x509: validity out of range".to_owned())
    };
    params.not_before = to_offset(&now)?;
    params.not_after = to_offset(&until)?;
    params.key_usages = vec![
        KeyUsagePurpose::KeyEncipherment,
        KeyUsagePurpose::DigitalSignature,
    ];
    params.extended_key_usages = vec![
        ExtendedKeyUsagePurpose::ServerAuth,
        ExtendedKeyUsagePurpose::ClientAuth,
    ];
    params.is_ca = IsCa::ExplicitNoCa;
    Ok(params)
}

fn cert_val(cert: String, key: String) -> Val {
    Val::Cert(Rc::new(CertPair { cert, key }))
}

/// Sprig's `getCertAndKey` for a self-signed certificate.
fn self_signed(ctx: &mut Ctx<'_>, params: &CertificateParams, key: &PrivateKey) -> FuncResult {
    ctx.charge(COST_SIGN)?;
    let pair = key
        .key_pair()
        .map_err(|e| format!("error creating certificate: {e}"))?;
    let cert = params
        .self_signed(&pair)
        .map_err(|e| format!("error creating certificate: x509: {e}"))?;
    let key_pem = key
        .to_pem()
        .map_err(|e| format!("error pem-encoding key: {e}"))?;
    Ok(cert_val(pem_encode("CERTIFICATE", cert.der()), key_pem))
}

fn ca_params(ctx: &mut Ctx<'_>, cn: &str, days: i64) -> Result<CertificateParams, String> {
    let mut params = base_params(ctx, cn, &Val::Nil, &Val::Nil, days)?;
    params.key_usages = vec![
        KeyUsagePurpose::KeyEncipherment,
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyCertSign,
    ];
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    Ok(params)
}

pub(crate) fn gen_ca(ctx: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    ctx.charge(COST_RSA_2048)?;
    let key = generate_rsa(2048).map_err(|e| format!("error generating rsa key: {e}"))?;
    let params = ca_params(ctx, str_arg(&args, 0), int_arg(&args, 1))?;
    self_signed(ctx, &params, &key)
}

pub(crate) fn gen_ca_with_key(ctx: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    let key = parse_private_key_pem(str_arg(&args, 2))
        .map_err(|e| format!("parsing private key: {e}"))?;
    let params = ca_params(ctx, str_arg(&args, 0), int_arg(&args, 1))?;
    self_signed(ctx, &params, &key)
}

/// Sprig's `generateSelfSignedCertificateWithKeyInternal`.
fn self_signed_leaf(ctx: &mut Ctx<'_>, args: &[Val], key: &PrivateKey) -> FuncResult {
    let params = base_params(
        ctx,
        str_arg(args, 0),
        &arg(args, 1),
        &arg(args, 2),
        int_arg(args, 3),
    )?;
    self_signed(ctx, &params, key)
}

pub(crate) fn gen_self_signed_cert(ctx: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    ctx.charge(COST_RSA_2048)?;
    let key = generate_rsa(2048).map_err(|e| format!("error generating rsa key: {e}"))?;
    self_signed_leaf(ctx, &args, &key)
}

pub(crate) fn gen_self_signed_cert_with_key(ctx: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    let key = parse_private_key_pem(str_arg(&args, 4))
        .map_err(|e| format!("parsing private key: {e}"))?;
    self_signed_leaf(ctx, &args, &key)
}

/// Sprig's `generateSignedCertificateWithKeyInternal`.
fn signed(ctx: &mut Ctx<'_>, args: &[Val], key: &PrivateKey) -> FuncResult {
    let Some(Val::Cert(ca)) = args.get(4) else {
        return Err("unable to decode certificate".to_owned());
    };
    let Some(block) = pem_decode(ca.cert.as_bytes()) else {
        return Err("unable to decode certificate".to_owned());
    };
    let ca_der = block.contents().to_vec();
    if x509_parser::parse_x509_certificate(&ca_der).is_err() {
        return Err(
            "error parsing certificate: decodedSignerCert.Bytes: x509: malformed certificate"
                .to_owned(),
        );
    }
    let signer_key =
        parse_private_key_pem(&ca.key).map_err(|e| format!("error parsing private key: {e}"))?;
    let mut params = base_params(
        ctx,
        str_arg(args, 0),
        &arg(args, 1),
        &arg(args, 2),
        int_arg(args, 3),
    )?;
    params.use_authority_key_identifier_extension = true;
    ctx.charge(COST_SIGN)?;
    let signer_pair = signer_key
        .key_pair()
        .map_err(|e| format!("error creating certificate: {e}"))?;
    let issuer = Issuer::from_ca_cert_der(&ca_der.into(), signer_pair)
        .map_err(|e| format!("error parsing certificate: decodedSignerCert.Bytes: x509: {e}"))?;
    let pair = key
        .key_pair()
        .map_err(|e| format!("error retrieving public key from signee key: {e}"))?;
    let cert = params
        .signed_by(&pair, &issuer)
        .map_err(|e| format!("error creating certificate: x509: {e}"))?;
    let key_pem = key
        .to_pem()
        .map_err(|e| format!("error pem-encoding key: {e}"))?;
    Ok(cert_val(pem_encode("CERTIFICATE", cert.der()), key_pem))
}

pub(crate) fn gen_signed_cert(ctx: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    ctx.charge(COST_RSA_2048)?;
    let key = generate_rsa(2048).map_err(|e| format!("error generating rsa key: {e}"))?;
    signed(ctx, &args, &key)
}

pub(crate) fn gen_signed_cert_with_key(ctx: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    let key = parse_private_key_pem(str_arg(&args, 5))
        .map_err(|e| format!("parsing private key: {e}"))?;
    signed(ctx, &args, &key)
}

/// Go's `base64.StdEncoding.DecodeString` error text.
fn b64_decode(text: &str) -> Result<Vec<u8>, String> {
    let cleaned: String = text.chars().filter(|&c| c != '\r' && c != '\n').collect();
    BASE64
        .decode(cleaned.as_bytes())
        .map_err(|e| format!("illegal base64 data at input byte {}", e.position))
}

/// Sprig's `buildCustomCert`: a certificate and key given as base64 PEM, checked.
pub(crate) fn build_custom_cert(_: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    let cert = b64_decode(str_arg(&args, 0))
        .map_err(|_| "unable to decode base64 certificate".to_owned())?;
    let key = b64_decode(str_arg(&args, 1))
        .map_err(|_| "unable to decode base64 private key".to_owned())?;
    let Some(block) = pem_decode(&cert) else {
        return Err("unable to decode certificate".to_owned());
    };
    if x509_parser::parse_x509_certificate(block.contents()).is_err() {
        return Err(
            "error parsing certificate: decodedCert.Bytes: x509: malformed certificate".to_owned(),
        );
    }
    let key_text = String::from_utf8_lossy(&key).into_owned();
    parse_private_key_pem(&key_text).map_err(|e| format!("error parsing private key: {e}"))?;
    Ok(cert_val(
        String::from_utf8_lossy(&cert).into_owned(),
        key_text,
    ))
}

type Aes256CbcEnc = cbc::Encryptor<aes::Aes256>;
type Aes256CbcDec = cbc::Decryptor<aes::Aes256>;

/// The AES-256 key Sprig derives: the password's bytes, zero-padded or cut to 32.
fn aes_key(password: &str) -> [u8; 32] {
    let mut key = [0u8; 32];
    let n = password.len().min(32);
    key[..n].copy_from_slice(&password.as_bytes()[..n]);
    key
}

/// Sprig's `encryptAES`: AES-256-CBC, PKCS #7 padding, random IV first, base64.
pub(crate) fn encrypt_aes(ctx: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    let (password, plaintext) = (str_arg(&args, 0), str_arg(&args, 1));
    if plaintext.is_empty() {
        return Ok(Val::str(""));
    }
    ctx.check_size(plaintext.len().saturating_mul(2).saturating_add(64))?;
    let mut content = plaintext.as_bytes().to_vec();
    let padding = 16 - content.len() % 16;
    content.extend(std::iter::repeat_n(padding as u8, padding));
    let iv = random_bytes(16)?;
    let key = aes_key(password);
    let encryptor = Aes256CbcEnc::new_from_slices(&key, &iv).map_err(|e| e.to_string())?;
    let mut out = iv.clone();
    let len = content.len();
    let sealed = encryptor
        .encrypt_padded::<NoPadding>(&mut content, len)
        .map_err(|e| e.to_string())?;
    out.extend_from_slice(sealed);
    Ok(Val::str(BASE64.encode(&out)))
}

/// Sprig's `decryptAES`, with the runtime panics Go reports for malformed input.
pub(crate) fn decrypt_aes(_: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    let (password, crypt64) = (str_arg(&args, 0), str_arg(&args, 1));
    if crypt64.is_empty() {
        return Ok(Val::str(""));
    }
    let crypt = b64_decode(crypt64)?;
    if crypt.len() < 16 {
        return Err(format!(
            "runtime error: slice bounds out of range [:16] with capacity {}",
            crypt.len()
        ));
    }
    let (iv, body) = crypt.split_at(16);
    if body.len() % 16 != 0 {
        return Err("crypto/cipher: input not full blocks".to_owned());
    }
    if body.is_empty() {
        return Err("runtime error: index out of range [-1]".to_owned());
    }
    let key = aes_key(password);
    let decryptor = Aes256CbcDec::new_from_slices(&key, iv).map_err(|e| e.to_string())?;
    let mut buf = body.to_vec();
    let plain = decryptor
        .decrypt_padded::<NoPadding>(&mut buf)
        .map_err(|e| e.to_string())?
        .to_vec();
    let pad = usize::from(plain[plain.len() - 1]);
    if pad > plain.len() {
        return Err(format!(
            "runtime error: slice bounds out of range [:{}]",
            plain.len() as i64 - pad as i64
        ));
    }
    Ok(Val::str(
        String::from_utf8_lossy(&plain[..plain.len() - pad]).into_owned(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dsa_key_format_round_trips() {
        use der::{Decode, Encode};
        let one = der::asn1::Uint::new(&[1]).unwrap();
        let key = DsaKeyFormat {
            version: der::asn1::Uint::new(&[0]).unwrap(),
            p: one.clone(),
            q: one.clone(),
            g: one.clone(),
            y: one.clone(),
            x: der::asn1::Uint::new(&[0xff, 0x01]).unwrap(),
        };
        let der = key.to_der().unwrap();
        assert_eq!(der[0], 0x30);
        assert!(DsaKeyFormat::from_der(&der).is_ok());
    }
}
