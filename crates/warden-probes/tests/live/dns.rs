//! dns: the system resolver, and typed queries against a DNS server the test runs.

use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::str::FromStr;
use std::time::{Duration, Instant};

use hickory_proto::op::{Message, OpCode, ResponseCode};
use hickory_proto::rr::rdata::{A, AAAA, CAA, CNAME, MX, NS, PTR, SRV, SSHFP, TXT};
use hickory_proto::rr::{Name, RData, Record, RecordType};
use tokio::net::UdpSocket;
use warden_probes::System;

const TIMEOUT: Duration = Duration::from_millis(500);

#[tokio::test]
async fn localhost_resolves_through_the_system_resolver() {
    let system = System::new();
    let localhost = system.dns("localhost", None, TIMEOUT);
    assert!(localhost.resolvable().await.unwrap());
    let addrs = localhost.addrs().await.unwrap();
    assert!(addrs.contains(&"127.0.0.1".to_string()), "{addrs:?}");
    // A type prefix is ignored without a server.
    assert!(
        system
            .dns("A:localhost", None, TIMEOUT)
            .resolvable()
            .await
            .unwrap()
    );
    let literal = system.dns("192.0.2.7", None, TIMEOUT);
    assert_eq!(literal.addrs().await.unwrap(), ["192.0.2.7"]);
}

/// The answers the test server knows.
fn answers(name: &str, record_type: RecordType) -> Option<Vec<RData>> {
    let host = |text: &str| Name::from_ascii(text).unwrap();
    let data = match (name, record_type) {
        ("example.test.", RecordType::A) => vec![
            RData::A(A(Ipv4Addr::new(192, 0, 2, 2))),
            RData::A(A(Ipv4Addr::new(192, 0, 2, 1))),
        ],
        ("example.test.", RecordType::AAAA) => vec![RData::AAAA(AAAA(
            Ipv6Addr::from_str("2001:db8::1").unwrap(),
        ))],
        ("example.test.", RecordType::MX) => {
            vec![RData::MX(MX::new(10, host("mail.example.test.")))]
        }
        ("example.test.", RecordType::NS) => vec![RData::NS(NS(host("ns1.example.test.")))],
        ("example.test.", RecordType::TXT) => {
            vec![RData::TXT(TXT::new(vec![
                "v=spf1 -all".to_string(),
                "second".to_string(),
            ]))]
        }
        ("example.test.", RecordType::CAA) => {
            vec![RData::CAA(CAA::new_issue(
                false,
                Some(host("letsencrypt.org")),
                vec![],
            ))]
        }
        ("example.test.", RecordType::SSHFP) => vec![RData::SSHFP(SSHFP::new(
            hickory_proto::rr::rdata::sshfp::Algorithm::Ed25519,
            hickory_proto::rr::rdata::sshfp::FingerprintType::SHA256,
            vec![0xab, 0xcd, 0x01],
        ))],
        ("www.example.test.", RecordType::CNAME) => {
            vec![RData::CNAME(CNAME(host("example.test.")))]
        }
        // A CNAME in front of an A record: only the A record is an A answer.
        ("www.example.test.", RecordType::A) => vec![
            RData::CNAME(CNAME(host("example.test."))),
            RData::A(A(Ipv4Addr::new(192, 0, 2, 1))),
        ],
        ("_sip._tcp.example.test.", RecordType::SRV) => {
            vec![RData::SRV(SRV::new(
                10,
                20,
                5060,
                host("sip.example.test."),
            ))]
        }
        ("1.2.0.192.in-addr.arpa.", RecordType::PTR) => {
            vec![RData::PTR(PTR(host("host.example.test.")))]
        }
        (name, _) if name.ends_with("example.test.") => Vec::new(),
        _ => return None,
    };
    Some(data)
}

/// Serves `answers` on 127.0.0.1 until the test ends; unknown names get NXDOMAIN.
async fn start_dns_server() -> SocketAddr {
    let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let address = socket.local_addr().unwrap();
    tokio::spawn(async move {
        let mut buffer = vec![0u8; 4096];
        while let Ok((length, peer)) = socket.recv_from(&mut buffer).await {
            let Ok(request) = Message::from_vec(&buffer[..length]) else {
                continue;
            };
            let Some(query) = request.queries.first().cloned() else {
                continue;
            };
            let mut response = Message::response(request.metadata.id, OpCode::Query);
            response.metadata.recursion_desired = request.metadata.recursion_desired;
            response.add_query(query.clone());
            match answers(&query.name().to_ascii(), query.query_type()) {
                Some(records) => {
                    for data in records {
                        response.add_answer(Record::from_rdata(query.name().clone(), 60, data));
                    }
                }
                None => response.metadata.response_code = ResponseCode::NXDomain,
            }
            let _ = socket.send_to(&response.to_vec().unwrap(), peer).await;
        }
    });
    address
}

#[tokio::test]
async fn typed_queries_render_like_goss() {
    let server = start_dns_server().await.to_string();
    let system = System::new();
    let lookup = |key: &str| system.dns(key, Some(&server), TIMEOUT);
    let addrs = |key: &'static str| {
        let probe = lookup(key);
        async move { probe.addrs().await.unwrap() }
    };
    assert_eq!(addrs("A:example.test").await, ["192.0.2.1", "192.0.2.2"]);
    assert_eq!(addrs("AAAA:example.test").await, ["2001:db8::1"]);
    assert_eq!(
        addrs("example.test").await,
        ["192.0.2.1", "192.0.2.2", "2001:db8::1"]
    );
    assert_eq!(addrs("CNAME:www.example.test").await, ["example.test."]);
    assert_eq!(addrs("A:www.example.test").await, ["192.0.2.1"]);
    assert_eq!(addrs("MX:example.test").await, ["10 mail.example.test."]);
    assert_eq!(addrs("NS:example.test").await, ["ns1.example.test."]);
    assert_eq!(addrs("TXT:example.test").await, ["second", "v=spf1 -all"]);
    assert_eq!(
        addrs("SRV:_sip._tcp.example.test").await,
        ["10 20 5060 sip.example.test."]
    );
    assert_eq!(addrs("CAA:example.test").await, ["0 issue letsencrypt.org"]);
    assert_eq!(addrs("SSHFP:example.test").await, ["4 2 ABCD01"]);
    assert_eq!(addrs("PTR:192.0.2.1").await, ["host.example.test."]);
    assert!(lookup("MX:example.test").resolvable().await.unwrap());
}

#[tokio::test]
async fn nxdomain_and_empty_answers_are_not_resolvable_without_error() {
    let server = start_dns_server().await.to_string();
    let system = System::new();
    for key in [
        "A:missing.invalid",
        "MX:www.example.test",
        "missing.invalid",
    ] {
        let probe = system.dns(key, Some(&server), TIMEOUT);
        assert!(!probe.resolvable().await.unwrap(), "{key}");
        assert!(probe.addrs().await.unwrap().is_empty(), "{key}");
    }
    assert_eq!(
        system
            .dns("PTR:not-an-ip", Some(&server), TIMEOUT)
            .resolvable()
            .await
            .unwrap_err()
            .to_string(),
        "unrecognized address: not-an-ip"
    );
}

#[tokio::test]
async fn a_silent_server_times_out_after_three_attempts() {
    // Bound but never answering.
    let silent = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let server = silent.local_addr().unwrap().to_string();
    let system = System::new();
    let probe = system.dns("A:example.test", Some(&server), Duration::from_millis(100));
    let started = Instant::now();
    let err = probe.resolvable().await.unwrap_err();
    assert_eq!(err.to_string(), "DNS lookup timed out (100ms)");
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!(probe.addrs().await.unwrap_err(), err);
}
