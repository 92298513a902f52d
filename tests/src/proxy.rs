//! A fault-injecting TCP proxy between devices and a server: cuts connections at
//! a byte count, refuses them, or holds pull (and snapshot) requests.

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dir {
    /// Device → server.
    Up,
    /// Server → device.
    Down,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    Pass,
    /// Accept and hang up at once.
    Refuse,
    /// Cut the connection carrying byte `n + 1` in that direction (counted across
    /// connections since armed), then pass everything.
    CutOnce(Dir, u64),
    /// Cut every connection after `n` bytes in that direction.
    CutEach(Dir, u64),
}

struct ProxyState {
    fault: Fault,
    counted: u64,
    cuts: u64,
    refused: u64,
    /// Pull requests wait at the proxy (before reaching the server) while set.
    hold_pulls: bool,
    /// Downloads still let through before `hold_pulls` starts (`hold_after`).
    pass_before_hold: Option<u64>,
    /// Pull requests waiting now.
    held: u64,
}

/// A TCP proxy on 127.0.0.1 that forwards bytes, and on command cuts connections,
/// refuses them, or holds pull requests (a sync stalled mid-round, so a test can
/// act while it waits).
pub struct Proxy {
    pub url: String,
    addr: SocketAddr,
    state: Arc<Mutex<ProxyState>>,
    stop: Arc<AtomicBool>,
    accept: Option<JoinHandle<()>>,
}

impl Proxy {
    pub fn start(upstream_url: &str) -> Proxy {
        let upstream: SocketAddr = upstream_url
            .trim_start_matches("http://")
            .parse()
            .expect("upstream host:port");
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let state = Arc::new(Mutex::new(ProxyState {
            fault: Fault::Pass,
            counted: 0,
            cuts: 0,
            refused: 0,
            hold_pulls: false,
            pass_before_hold: None,
            held: 0,
        }));
        let stop = Arc::new(AtomicBool::new(false));
        let (st, stp) = (state.clone(), stop.clone());
        let accept = std::thread::spawn(move || {
            for conn in listener.incoming() {
                if stp.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(client) = conn else { continue };
                let refuse = {
                    let mut s = st.lock().unwrap();
                    let r = s.fault == Fault::Refuse;
                    s.refused += r as u64;
                    r
                };
                if refuse {
                    drop(client);
                    continue;
                }
                let Ok(server) = TcpStream::connect(upstream) else {
                    continue;
                };
                let _ = client.set_nodelay(true);
                let _ = server.set_nodelay(true);
                for (from, to, dir) in [(&client, &server, Dir::Up), (&server, &client, Dir::Down)]
                {
                    let (from, to, a, b) = (
                        from.try_clone().unwrap(),
                        to.try_clone().unwrap(),
                        client.try_clone().unwrap(),
                        server.try_clone().unwrap(),
                    );
                    let st = st.clone();
                    std::thread::spawn(move || {
                        pump(from, to, dir, &st);
                        let _ = a.shutdown(Shutdown::Both);
                        let _ = b.shutdown(Shutdown::Both);
                    });
                }
            }
        });
        Proxy {
            url: format!("http://{addr}"),
            addr,
            state,
            stop,
            accept: Some(accept),
        }
    }

    pub fn arm(&self, f: Fault) {
        let mut s = self.state.lock().unwrap();
        s.fault = f;
        s.counted = 0;
    }

    /// Hold every pull request from now on (`true`), or let them through.
    pub fn hold_pulls(&self, on: bool) {
        self.state.lock().unwrap().hold_pulls = on;
    }

    /// Let `n` more download requests through, then hold the rest (as
    /// `hold_pulls(true)`) until `hold_pulls(false)`.
    pub fn hold_after(&self, n: u64) {
        self.state.lock().unwrap().pass_before_hold = Some(n);
    }

    /// Wait until a pull request is being held; false after `timeout`.
    pub fn wait_held(&self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if self.state.lock().unwrap().held > 0 {
                return true;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        false
    }

    pub fn stats(&self) -> (u64, u64) {
        let s = self.state.lock().unwrap();
        (s.cuts, s.refused)
    }
}

fn pump(mut from: TcpStream, mut to: TcpStream, dir: Dir, state: &Mutex<ProxyState>) {
    let mut buf = [0u8; 8192];
    let mut local = 0u64;
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        // The download of a round: pull pages, and a bootstrap's snapshot pages.
        let download =
            buf[..n].starts_with(b"GET /v1/pull") || buf[..n].starts_with(b"GET /v1/snapshot");
        if dir == Dir::Up && download {
            {
                let mut s = state.lock().unwrap();
                match s.pass_before_hold {
                    Some(0) => {
                        s.pass_before_hold = None;
                        s.hold_pulls = true;
                    }
                    Some(n) => s.pass_before_hold = Some(n - 1),
                    None => {}
                }
            }
            let mut counted = false;
            loop {
                let mut s = state.lock().unwrap();
                if !s.hold_pulls {
                    s.held -= counted as u64;
                    break;
                }
                if !counted {
                    s.held += 1;
                    counted = true;
                }
                drop(s);
                std::thread::sleep(Duration::from_millis(5));
            }
        }
        let (allowed, cut) = {
            let mut s = state.lock().unwrap();
            match s.fault {
                Fault::CutOnce(d, after) if d == dir => {
                    let before = s.counted;
                    s.counted += n as u64;
                    if s.counted > after {
                        s.fault = Fault::Pass;
                        s.cuts += 1;
                        ((after - before) as usize, true)
                    } else {
                        (n, false)
                    }
                }
                Fault::CutEach(d, after) if d == dir => {
                    let before = local;
                    local += n as u64;
                    if local > after {
                        s.cuts += 1;
                        ((after - before) as usize, true)
                    } else {
                        (n, false)
                    }
                }
                _ => (n, false),
            }
        };
        if allowed > 0 && to.write_all(&buf[..allowed]).is_err() {
            return;
        }
        if cut {
            return;
        }
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.addr);
        if let Some(t) = self.accept.take() {
            let _ = t.join();
        }
    }
}
