//! Many `kubectl exec` calls at once on a loaded machine, as CI runs the suite (2 cores, test
//! binaries in parallel): every one must give its full output, its stderr and its exit code.
//! kubectl 1.32's WebSocket executor starts reading the connection before it has registered
//! its streams (client-go `tools/remotecommand/websocket.go`, fixed upstream by
//! kubernetes/kubernetes#131203): output that arrives in that window is dropped, and a close
//! that arrives in it fails the command with `error: closed all streams`. These calls catch a
//! server that answers before a real one could, or that closes badly.
//!
//! The race is rare through kubectl (a few in a thousand calls on a loaded machine), so the
//! first test pins the server's side of it on the wire, where it is certain: nothing but a ping
//! until the client answers it, then the output, the status, and a clean close, in that order.
//!
//! `EXEC_STRESS_RUNS=N` (default 40) and `EXEC_STRESS_THREADS=T` (default 4) resize it;
//! `EXEC_STRESS_HOGS=H` (default 2) busy threads load the cores meanwhile.

use crate::common;

use common::{kubectl, kubectl_command, lab, spawn_with_stdin};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Mutex;
use std::time::{Duration, Instant};

const POD: &str = r#"
apiVersion: v1
kind: Pod
metadata:
  name: box
spec:
  containers:
  - name: box
    image: busybox:1.36
    command: ["sleep", "3600"]
"#;

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// One exec: its arguments after `exec`, its input, and what kubectl must print and exit with.
struct Case {
    args: &'static [&'static str],
    stdin: Option<&'static str>,
    stdout: &'static str,
    stderr_has: &'static [&'static str],
    code: i32,
}

const CASES: &[Case] = &[
    Case { args: &["box", "--", "echo", "hello"], stdin: None, stdout: "hello\n", stderr_has: &[], code: 0 },
    Case {
        args: &["box", "--", "sh", "-c", "echo out; cat /nope; exit 3"],
        stdin: None,
        stdout: "out\n",
        stderr_has: &["cat: /nope: No such file or directory\n", "command terminated with exit code 3"],
        code: 3,
    },
    Case { args: &["-i", "box", "--", "cat"], stdin: Some("line 1\nline 2\n"), stdout: "line 1\nline 2\n", stderr_has: &[], code: 0 },
    Case {
        args: &["box", "--", "cat", "/nope"],
        stdin: None,
        stdout: "",
        stderr_has: &["cat: /nope: No such file or directory\n", "command terminated with exit code 1"],
        code: 1,
    },
    Case { args: &["box", "--", "hostname"], stdin: None, stdout: "box\n", stderr_has: &[], code: 0 },
];

/// One WebSocket frame as a server sends it (unmasked): (opcode, payload).
fn read_frame(s: &mut TcpStream) -> std::io::Result<(u8, Vec<u8>)> {
    let mut h = [0u8; 2];
    s.read_exact(&mut h)?;
    assert_eq!(h[0] & 0x80, 0x80, "the lab sends unfragmented frames");
    assert_eq!(h[1] & 0x80, 0, "a server's frames are not masked");
    let len = match h[1] & 0x7f {
        126 => {
            let mut b = [0u8; 2];
            s.read_exact(&mut b)?;
            u16::from_be_bytes(b) as usize
        }
        127 => {
            let mut b = [0u8; 8];
            s.read_exact(&mut b)?;
            u64::from_be_bytes(b) as usize
        }
        n => n as usize,
    };
    let mut payload = vec![0u8; len];
    s.read_exact(&mut payload)?;
    Ok((h[0] & 0x0f, payload))
}

/// A client's frame (masked, as RFC 6455 requires), short payloads only.
fn client_frame(opcode: u8, payload: &[u8]) -> Vec<u8> {
    assert!(payload.len() < 126);
    let mask = [0x12u8, 0x34, 0x56, 0x78];
    let mut v = vec![0x80 | opcode, 0x80 | payload.len() as u8];
    v.extend_from_slice(&mask);
    v.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
    v
}

/// Open `pods/box/exec` for `query` over v5.channel.k8s.io; the stream after the 101.
fn upgrade(lab: &lab::Lab, query: &str) -> TcpStream {
    let addr = lab.url().trim_start_matches("http://").to_string();
    let mut s = TcpStream::connect(&addr).unwrap();
    write!(
        s,
        "GET /api/v1/namespaces/default/pods/box/exec?{query} HTTP/1.1\r\nHost: {addr}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: v5.channel.k8s.io\r\n\r\n"
    )
    .unwrap();
    let mut head = Vec::new();
    let mut b = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        s.read_exact(&mut b).unwrap();
        head.push(b[0]);
    }
    let head = String::from_utf8_lossy(&head).to_lowercase();
    assert!(head.starts_with("http/1.1 101"), "{head}");
    assert!(head.contains("sec-websocket-protocol: v5.channel.k8s.io\r\n"), "{head}");
    s
}

/// kubectl 1.32 registers its streams only after its read loop starts, so the lab waits for
/// the client's pong before the first frame: a client that does not answer sees only the ping;
/// once it answers, it gets stdout, stderr, the status and a normal close, in that order, and
/// nothing after the close.
#[test]
fn exec_sends_nothing_before_the_client_answers_its_ping_then_output_status_and_a_clean_close() {
    let lab = lab();
    kubectl(&lab, &["apply", "-f", "-"], Some(POD));
    kubectl(&lab, &["wait", "--for=condition=Ready", "pod/box", "--timeout=60s"], None);

    let q = "command=sh&command=-c&command=echo%20out%3B%20cat%20%2Fnope%3B%20exit%203&stdout=true&stderr=true";
    let mut s = upgrade(&lab, q);
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let (op, ping) = read_frame(&mut s).unwrap();
    assert_eq!(op, 0x9, "the first frame is a ping, got opcode {op} {ping:?}");
    // Unanswered, the ping holds everything back.
    s.set_read_timeout(Some(Duration::from_millis(400))).unwrap();
    let held = read_frame(&mut s);
    assert!(held.is_err(), "a frame before the pong: {held:?}");
    s.write_all(&client_frame(0xA, &ping)).unwrap();

    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut frames = Vec::new();
    loop {
        let (op, payload) = read_frame(&mut s).unwrap();
        frames.push((op, payload.clone()));
        if op == 0x8 {
            assert_eq!(&payload[..2], &1000u16.to_be_bytes(), "a normal closure");
            s.write_all(&client_frame(0x8, &payload[..2])).unwrap();
            break;
        }
    }
    let data: Vec<(u8, Vec<u8>)> = frames.iter().filter(|(op, _)| *op == 0x2).map(|(_, p)| (p[0], p[1..].to_vec())).collect();
    assert_eq!(data.len(), 3, "{frames:?}");
    assert_eq!(data[0], (1, b"out\n".to_vec()));
    assert_eq!(data[1], (2, b"cat: /nope: No such file or directory\n".to_vec()));
    assert_eq!(data[2].0, 3, "the status comes last: {frames:?}");
    let status: serde_json::Value = serde_json::from_slice(&data[2].1).unwrap();
    assert_eq!((status["status"].as_str(), status["reason"].as_str()), (Some("Failure"), Some("NonZeroExitCode")), "{status}");
    assert_eq!(status["details"]["causes"][0]["message"], "3", "{status}");
    assert_eq!(frames.last().unwrap().0, 0x8, "{frames:?}");
    // After its close the server sends nothing more and ends the connection.
    let mut rest = Vec::new();
    s.read_to_end(&mut rest).unwrap();
    assert!(rest.is_empty(), "bytes after the close: {rest:?}");
}

#[test]
fn many_parallel_kubectl_execs_under_load_all_give_their_output_and_exit_code() {
    let lab = lab();
    kubectl(&lab, &["apply", "-f", "-"], Some(POD));
    kubectl(&lab, &["wait", "--for=condition=Ready", "pod/box", "--timeout=60s"], None);

    let (runs, threads, hogs) = (env_or("EXEC_STRESS_RUNS", 40), env_or("EXEC_STRESS_THREADS", 4), env_or("EXEC_STRESS_HOGS", 2));
    let stop = Arc::new(AtomicBool::new(false));
    let hog_threads: Vec<_> = (0..hogs)
        .map(|_| {
            let stop = stop.clone();
            std::thread::spawn(move || {
                let mut x = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    x = std::hint::black_box(x.wrapping_mul(6364136223846793005).wrapping_add(1));
                }
            })
        })
        .collect();

    let started = Instant::now();
    let next = Arc::new(AtomicUsize::new(0));
    let failures = Arc::new(Mutex::new(Vec::<String>::new()));
    std::thread::scope(|s| {
        for _ in 0..threads {
            let (next, failures, lab) = (next.clone(), failures.clone(), &lab);
            s.spawn(move || {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= runs {
                        break;
                    }
                    let case = &CASES[i % CASES.len()];
                    let mut args = vec!["exec"];
                    args.extend_from_slice(case.args);
                    let out = spawn_with_stdin(kubectl_command(lab, &args), case.stdin).wait_with_output().unwrap();
                    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
                    let ok = out.status.code() == Some(case.code) && stdout == case.stdout && case.stderr_has.iter().all(|e| stderr.contains(e));
                    if !ok {
                        failures.lock().unwrap().push(format!(
                            "run {i}: kubectl {args:?} exited {:?}\n  stdout: {stdout:?}\n  stderr: {stderr:?}",
                            out.status.code()
                        ));
                    }
                }
            });
        }
    });
    stop.store(true, Ordering::Relaxed);
    for h in hog_threads {
        h.join().unwrap();
    }

    let failures = failures.lock().unwrap();
    eprintln!("{runs} execs in {threads} threads with {hogs} busy threads: {} failed, {:.1}s", failures.len(), started.elapsed().as_secs_f64());
    assert!(failures.is_empty(), "{} of {runs} execs failed:\n{}", failures.len(), failures.join("\n"));
}
