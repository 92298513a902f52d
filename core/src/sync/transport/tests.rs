//! The client on its own, against a raw loopback server: a streamed answer comes
//! part by part as the server sends it, and an answer past the size limit is refused.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::mpsc;
use std::time::Duration;

use super::*;

/// Serve one connection: answer with a chunked body, one part per message on
/// `parts` (the test decides when each goes out), ended when the sender drops.
fn chunked_server(parts: mpsc::Receiver<Vec<u8>>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        let mut buf = [0u8; 4096];
        let _ = s.read(&mut buf).unwrap();
        s.write_all(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n")
            .unwrap();
        for p in parts {
            s.write_all(format!("{:x}\r\n", p.len()).as_bytes())
                .unwrap();
            s.write_all(&p).unwrap();
            s.write_all(b"\r\n").unwrap();
            s.flush().unwrap();
        }
        let _ = s.write_all(b"0\r\n\r\n");
    });
    base
}

#[test]
fn a_streamed_answer_arrives_part_by_part() {
    let (tx, rx) = mpsc::channel();
    let base = chunked_server(rx);
    let cancel = CancelHandle::new();
    let http = Http::new(&base, None, &cancel);
    tx.send(b"first page".to_vec()).unwrap();
    let mut answer = http
        .send_streaming(Method::Get, "/v1/anything", &[], &[], None)
        .unwrap();
    assert_eq!(answer.head.status, 200);
    // The first part is readable while the server still holds back the second.
    assert_eq!(answer.chunk().unwrap().unwrap(), b"first page");
    tx.send(b"second".to_vec()).unwrap();
    assert_eq!(answer.chunk().unwrap().unwrap(), b"second");
    drop(tx);
    assert_eq!(answer.chunk().unwrap(), None);
    assert_eq!(answer.chunk().unwrap(), None);
    assert_eq!(http.bytes_down.get(), 16);
}

#[test]
fn a_cancel_stops_a_stream_waiting_for_its_next_part() {
    let (tx, rx) = mpsc::channel();
    let base = chunked_server(rx);
    let cancel = CancelHandle::new();
    let http = Http::new(&base, None, &cancel);
    tx.send(b"part".to_vec()).unwrap();
    let mut answer = http
        .send_streaming(Method::Get, "/v1/anything", &[], &[], None)
        .unwrap();
    assert_eq!(answer.chunk().unwrap().unwrap(), b"part");
    let c2 = cancel.clone();
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(100));
        c2.cancel();
    });
    let t = std::time::Instant::now();
    assert!(matches!(answer.chunk(), Err(Error::Cancelled)));
    assert!(t.elapsed() < Duration::from_secs(5));
    drop(tx);
}

#[test]
fn an_answer_past_the_limit_is_refused_not_retried() {
    let e: Error = Failure::TooLarge.into();
    assert_eq!(e.code(), "network");
    assert!(!Failure::TooLarge.transient());
}
