//! `pods/<name>/exec` and `pods/<name>/log`, answered for the simulated containers.
//!
//! exec speaks the WebSocket remote-command protocols kubectl (1.30+) and kube-rs' `ws`
//! feature use (`v5.channel.k8s.io`, `v4.channel.k8s.io`; upstream
//! `staging/src/k8s.io/apimachinery/pkg/util/remotecommand` and the kubelet's
//! `pkg/kubelet/cri/streaming/remotecommand/websocket.go`): every binary message starts with
//! its channel (0 stdin, 1 stdout, 2 stderr, 3 the final `Status`, 4 resize; v5 adds 255 to
//! close a stream). The command runs in [`super::shell`] over the container's volumes. The
//! first frame waits until the client is ready for it ([`client_ready`]); the last ones are
//! the status, then a normal close (1000), as the kubelet ends a session.

use super::Options;
use super::shell::{self, Container, Fs, Resolver};
use super::volumes::{host_dir, volume_dir};
use lab_core::cluster::probe;
use crate::errors::ApiError;
use crate::resources;
use crate::runtime::typed;
use crate::store::Store;
use axum::body::Body;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade, rejection::WebSocketUpgradeRejection};
use axum::extract::{Path as UrlPath, RawQuery, State};
use axum::http::{Response, StatusCode, header};
use k8s_openapi::api::core::v1::{Container as PodContainer, PersistentVolume, Pod};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Clone)]
pub struct Ctx {
    pub store: Arc<Store>,
    pub opts: Arc<Options>,
}

/// The routes for exec and logs; merge them in front of the API server's router.
pub fn routes(store: Arc<Store>, opts: Arc<Options>) -> axum::Router {
    axum::Router::new()
        .route("/api/v1/namespaces/{ns}/pods/{name}/exec", axum::routing::any(exec_handler))
        .route("/api/v1/namespaces/{ns}/pods/{name}/attach", axum::routing::any(attach_handler))
        .route("/api/v1/namespaces/{ns}/pods/{name}/log", axum::routing::get(log_handler))
        .with_state(Ctx { store, opts })
}

fn status_response(e: &ApiError) -> Response<Body> {
    Response::builder()
        .status(StatusCode::from_u16(e.code).unwrap_or(StatusCode::BAD_REQUEST))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(serde_json::to_vec(&e.status()).unwrap_or_default()))
        .expect("response")
}

fn params(q: Option<&str>) -> Vec<(String, String)> {
    q.map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect()).unwrap_or_default()
}

/// The pod's directory on its node (`/var/lib/kubelet/pods/<uid>`), removed with the pod.
pub fn pod_dir(opts: &Options, node: &str, uid: &str) -> PathBuf {
    host_dir(opts, node, &format!("/var/lib/kubelet/pods/{uid}"))
}

/// The pod and the container a request addresses, checked as the API server and kubelet do.
fn find(store: &Store, ns: &str, name: &str, container: Option<&str>) -> Result<(Pod, PodContainer), ApiError> {
    let v = store.get(&resources::PODS, ns, name)?;
    let pod: Pod = typed(&v).ok_or_else(|| ApiError::internal("undecodable pod"))?;
    let spec = pod.spec.clone().unwrap_or_default();
    let c = match container.filter(|c| !c.is_empty()) {
        Some(c) => spec
            .containers
            .iter()
            .find(|x| x.name == c)
            .cloned()
            .ok_or_else(|| ApiError::bad_request(format!("container {c} is not valid for pod {name}")))?,
        None if spec.containers.len() == 1 => spec.containers[0].clone(),
        None => {
            let names: Vec<&str> = spec.containers.iter().map(|c| c.name.as_str()).collect();
            return Err(ApiError::bad_request(format!("a container name must be specified for pod {name}, choose one of: [{}]", names.join(" "))));
        }
    };
    if spec.node_name.as_deref().unwrap_or("").is_empty() {
        return Err(ApiError::bad_request(format!("pod {name} does not have a host assigned")));
    }
    Ok((pod, c))
}

fn running(pod: &Pod, c: &PodContainer) -> Result<(), String> {
    let st = pod.status.as_ref().and_then(|s| s.container_statuses.as_ref()).and_then(|l| l.iter().find(|s| s.name == c.name));
    match st.and_then(|s| s.state.as_ref()) {
        Some(s) if s.running.is_some() => Ok(()),
        Some(s) => Err(s.waiting.as_ref().and_then(|w| w.reason.clone()).unwrap_or_else(|| "ContainerCreating".into())),
        None => Err("ContainerCreating".into()),
    }
}

/// The container's filesystem: its volume mounts as real directories, its own files in the
/// pod's directory.
pub fn container_fs(store: &Store, opts: &Options, pod: &Pod, c: &PodContainer) -> Fs {
    let ns = pod.metadata.namespace.clone().unwrap_or_default();
    let uid = pod.metadata.uid.clone().unwrap_or_default();
    let spec = pod.spec.clone().unwrap_or_default();
    let node = spec.node_name.clone().unwrap_or_default();
    let pdir = pod_dir(opts, &node, &uid);
    let volumes = spec.volumes.clone().unwrap_or_default();
    let mut mounts = Vec::new();
    for m in c.volume_mounts.iter().flatten() {
        let Some(v) = volumes.iter().find(|v| v.name == m.name) else { continue };
        let dir: Option<PathBuf> = if let Some(pvc) = &v.persistent_volume_claim {
            store
                .get(&resources::PVCS, &ns, &pvc.claim_name)
                .ok()
                .and_then(|cl| cl["spec"]["volumeName"].as_str().map(str::to_string))
                .and_then(|pv| store.get(&resources::PVS, "", &pv).ok())
                .and_then(|pv| typed::<PersistentVolume>(&pv))
                .and_then(|pv| volume_dir(opts, &pv))
        } else if let Some(hp) = &v.host_path {
            Some(host_dir(opts, &node, &hp.path))
        } else if v.config_map.is_some() || v.secret.is_some() {
            let (kind, rt, name) = match (&v.config_map, &v.secret) {
                (Some(cm), _) => ("configmap", &resources::CONFIGMAPS, cm.name.clone()),
                (_, Some(s)) => ("secret", &resources::SECRETS, s.secret_name.clone().unwrap_or_default()),
                _ => unreachable!(),
            };
            let dir = pdir.join(format!("volumes/kubernetes.io~{kind}/{}", v.name));
            let _ = std::fs::create_dir_all(&dir);
            if let Ok(obj) = store.get(rt, &ns, &name) {
                for (k, val) in obj["data"].as_object().into_iter().flatten() {
                    let s = val.as_str().unwrap_or("");
                    let bytes = if kind == "secret" {
                        use base64::Engine;
                        base64::engine::general_purpose::STANDARD.decode(s).unwrap_or_default()
                    } else {
                        s.as_bytes().to_vec()
                    };
                    let _ = std::fs::write(dir.join(k), bytes);
                }
            }
            Some(dir)
        } else {
            // emptyDir and anything else: a directory that lives and dies with the pod.
            Some(pdir.join(format!("volumes/kubernetes.io~empty-dir/{}", v.name)))
        };
        if let Some(mut d) = dir {
            if let Some(sub) = m.sub_path.as_deref().filter(|s| !s.is_empty()) {
                d = d.join(sub);
            }
            let _ = std::fs::create_dir_all(&d);
            mounts.push((m.mount_path.trim_end_matches('/').to_string(), d, m.read_only.unwrap_or(false)));
        }
    }
    mounts.sort_by_key(|(m, _, _)| std::cmp::Reverse(m.len()));
    let rootfs = pdir.join(format!("containers/{}/rootfs", c.name));
    let hostname = spec.hostname.clone().unwrap_or_else(|| pod.metadata.name.clone().unwrap_or_default());
    let fqdn = spec.subdomain.as_ref().map(|s| format!("{hostname}.{s}.{ns}.svc.cluster.local"));
    let ip = pod.status.as_ref().and_then(|s| s.pod_ip.clone()).unwrap_or_default();
    shell::prepare_rootfs(&rootfs, &hostname, fqdn.as_deref(), &ip, &ns);
    seed_image_files(&rootfs, c.image.as_deref().unwrap_or(""));
    Fs { mounts, rootfs }
}

/// The files an image ships that the book's probes and commands rely on. nginx images serve
/// a welcome page from `/usr/share/nginx/html`, so an `httpGet /` readiness probe passes, until
/// a volume is mounted over that folder: then nginx serves the volume, and an empty one has
/// no `index.html` (403 on kind), exactly as the chapters warn.
fn seed_image_files(rootfs: &std::path::Path, image: &str) {
    if !image.contains("nginx") {
        return;
    }
    let html = rootfs.join("usr/share/nginx/html");
    if html.exists() {
        return;
    }
    let _ = std::fs::create_dir_all(&html);
    let _ = std::fs::write(html.join("index.html"), NGINX_WELCOME_PAGE);
    let _ = std::fs::write(html.join("50x.html"), NGINX_ERROR_PAGE);
}

const NGINX_WELCOME_PAGE: &str = "<!DOCTYPE html>\n<html>\n<head>\n<title>Welcome to nginx!</title>\n</head>\n<body>\n<h1>Welcome to nginx!</h1>\n<p>If you see this page, the nginx web server is successfully installed and working.</p>\n</body>\n</html>\n";
const NGINX_ERROR_PAGE: &str = "<!DOCTYPE html>\n<html>\n<head>\n<title>Error</title>\n</head>\n<body>\n<h1>An error occurred.</h1>\n</body>\n</html>\n";

/// The shell's resolver: cluster DNS from [`lab_core::cluster::dns`], and the pods' HTTP
/// servers and ping answers from their simulated containers.
pub struct Dns<'a> {
    pub store: &'a Store,
    pub opts: &'a Options,
    pub namespace: String,
}

impl Dns<'_> {
    fn cluster_dns(&self) -> lab_core::cluster::dns::Dns<'_> {
        lab_core::cluster::dns::Dns { store: self.store, namespace: self.namespace.clone() }
    }
}

impl Resolver for Dns<'_> {
    fn lookup(&self, name: &str) -> Option<(String, Vec<String>)> {
        self.cluster_dns().lookup(name)
    }

    fn srv(&self, name: &str) -> Option<(String, Vec<(u16, u16, u16, String)>)> {
        self.cluster_dns().srv(name)
    }

    fn http_get(&self, ip: &str, path: &str) -> Option<Result<Vec<u8>, u16>> {
        let (pods, _) = self.store.list(&resources::PODS, None);
        let v = pods.iter().find(|p| p["status"]["podIP"].as_str() == Some(ip) && p["status"]["phase"] == "Running")?;
        let pod: Pod = typed(v)?;
        let c = pod.spec.as_ref()?.containers.iter().find(|c| c.image.as_deref().unwrap_or("").contains("nginx"))?.clone();
        let fs = container_fs(self.store, self.opts, &pod, &c);
        let file = if path.ends_with('/') { format!("{path}index.html") } else { path.to_string() };
        let real = fs.resolve(&format!("/usr/share/nginx/html{file}")).0;
        Some(std::fs::read(real).map_err(|_| 404))
    }

    fn answers_ping(&self, ip: &str) -> bool {
        let (pods, _) = self.store.list(&resources::PODS, None);
        if pods.iter().any(|p| p["status"]["podIP"].as_str() == Some(ip) && p["status"]["phase"] == "Running") {
            return true;
        }
        let (nodes, _) = self.store.list(&resources::NODES, None);
        nodes.iter().any(|n| n["status"]["addresses"].as_array().is_some_and(|a| a.iter().any(|x| x["address"].as_str() == Some(ip))))
    }
}

/// Run a command in a container (what exec does once the stream is up).
pub async fn run_in(store: &Store, opts: &Options, pod: &Pod, c: &PodContainer, argv: &[String], stdin: Vec<u8>) -> shell::Output {
    run_with_speed(store, opts, pod, c, argv, stdin, store.clock().speed()).await
}

/// [`run_in`] with `sleep` scaled by `speed` (infinite: no waiting, for probes).
pub async fn run_with_speed(store: &Store, opts: &Options, pod: &Pod, c: &PodContainer, argv: &[String], stdin: Vec<u8>, speed: f64) -> shell::Output {
    let fs = container_fs(store, opts, pod, c);
    let dns = Dns { store, opts, namespace: pod.metadata.namespace.clone().unwrap_or_default() };
    let container = container_view(&fs, &dns, pod, c, speed);
    shell::exec(&container, argv, stdin).await
}

fn container_view<'a>(fs: &'a Fs, dns: &'a Dns<'a>, pod: &Pod, c: &PodContainer, speed: f64) -> Container<'a> {
    let hostname = pod.spec.as_ref().and_then(|s| s.hostname.clone()).unwrap_or_else(|| pod.metadata.name.clone().unwrap_or_default());
    let env: Vec<(String, String)> = c
        .env
        .iter()
        .flatten()
        .map(|e| (e.name.clone(), e.value.clone().unwrap_or_default()))
        .chain([("KUBERNETES_SERVICE_HOST".to_string(), "10.96.0.1".to_string()), ("KUBERNETES_SERVICE_PORT".to_string(), "443".to_string())])
        .collect();
    Container { fs, hostname, env, image: c.image.clone().unwrap_or_default(), resolver: dns, speed }
}

/// The longest a session waits for the client to answer its ping.
const READY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);
/// After the client's pong: at least this long, or as long as the pong took, at most
/// [`GRACE_MAX`].
const GRACE_MIN: std::time::Duration = std::time::Duration::from_millis(20);
const GRACE_MAX: std::time::Duration = std::time::Duration::from_millis(500);

/// Wait, before the first frame of a session, until the client has registered its streams.
///
/// kubectl 1.32's WebSocket executor (client-go `tools/remotecommand/websocket.go` before
/// kubernetes/kubernetes#131203) starts its read loop and then registers its streams, in
/// another goroutine: a frame that arrives in between is dropped (`Unknown stream id 1,
/// discarding message`), and a close that arrives in between fails the command with `error:
/// closed all streams`. A real exec never answers that fast (the API server dials the kubelet,
/// the runtime starts a process), but the lab's commands take microseconds, so on a loaded
/// machine the whole answer could beat kubectl's bookkeeping. Nothing on the wire says the
/// streams exist, unless the client sends something (input, a resize, a close signal: it does
/// that only once they do). So: ping, and wait for the pong (the client's read loop runs,
/// its stream setup is a few statements away in a goroutine started just before), then a
/// grace as long as the pong took (a client slow to answer is slow to set up), between
/// [`GRACE_MIN`] and [`GRACE_MAX`]. A data message from the client ends the wait at once and
/// is returned (the caller handles it); the client's close, or no pong within
/// [`READY_TIMEOUT`], also end it.
async fn client_ready(socket: &mut WebSocket) -> Option<Message> {
    let asked = tokio::time::Instant::now();
    if socket.send(Message::Ping(bytes::Bytes::from_static(b"lab"))).await.is_err() {
        return None;
    }
    let pong = tokio::time::timeout(READY_TIMEOUT, async {
        loop {
            match socket.recv().await {
                Some(Ok(Message::Pong(_))) => return Ok(()),
                Some(Ok(Message::Ping(_))) => {}
                Some(Ok(m)) => return Err(Some(m)),
                _ => return Err(None),
            }
        }
    })
    .await;
    match pong {
        Ok(Ok(())) => {}
        Ok(Err(m)) => return m.filter(|m| !matches!(m, Message::Close(_))),
        Err(_) => return None,
    }
    let grace = asked.elapsed().clamp(GRACE_MIN, GRACE_MAX);
    match tokio::time::timeout(grace, async {
        loop {
            match socket.recv().await {
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
                Some(Ok(m)) => return Some(m),
                _ => return None,
            }
        }
    })
    .await
    {
        Ok(m) => m.filter(|m| !matches!(m, Message::Close(_))),
        Err(_) => None,
    }
}

fn frame(ch: u8, data: &[u8]) -> Message {
    let mut v = Vec::with_capacity(data.len() + 1);
    v.push(ch);
    v.extend_from_slice(data);
    Message::Binary(v.into())
}

/// `kubectl exec -it POD -- sh`: a shell that runs each line as it is entered, echoing
/// keystrokes and printing a prompt when there is a terminal, until `exit` or end of input.
async fn interactive(socket: &mut WebSocket, ctx: &Ctx, pod: &Pod, c: &PodContainer, v5: bool, tty: bool, first: Option<Message>) -> i32 {
    let fs = container_fs(&ctx.store, &ctx.opts, pod, c);
    let dns = Dns { store: &ctx.store, opts: &ctx.opts, namespace: pod.metadata.namespace.clone().unwrap_or_default() };
    let container = container_view(&fs, &dns, pod, c, ctx.store.clock().speed());
    let mut sh = shell::Shell::new(&container);
    let crlf = |b: &[u8]| -> Vec<u8> { if tty { String::from_utf8_lossy(b).replace('\n', "\r\n").into_bytes() } else { b.to_vec() } };
    if tty {
        let _ = socket.send(frame(1, b"# ")).await;
    }
    let mut line: Vec<u8> = Vec::new();
    let mut first = first;
    'session: loop {
        let msg = match first.take() {
            Some(m) => m,
            None => match socket.recv().await {
                Some(Ok(m)) => m,
                _ => break,
            },
        };
        let data = match msg {
            Message::Binary(b) if !b.is_empty() => b,
            Message::Close(_) => break,
            _ => continue,
        };
        let (ch, bytes) = (data[0], &data[1..]);
        if ch == 255 && v5 && bytes.first() == Some(&0) {
            break;
        }
        if ch != 0 {
            continue;
        }
        for &b in bytes {
            let run = match b {
                b'\r' | b'\n' => true,
                0x04 if tty && line.is_empty() => break 'session,
                0x7f | 0x08 if tty => {
                    if line.pop().is_some() {
                        let _ = socket.send(frame(1, b"\x08 \x08")).await;
                    }
                    false
                }
                0x03 if tty => {
                    line.clear();
                    let _ = socket.send(frame(1, b"^C\r\n# ")).await;
                    false
                }
                _ => {
                    line.push(b);
                    if tty {
                        let _ = socket.send(frame(1, &[b])).await;
                    }
                    false
                }
            };
            if !run {
                continue;
            }
            if tty {
                let _ = socket.send(frame(1, b"\r\n")).await;
            }
            let script = String::from_utf8_lossy(&std::mem::take(&mut line)).to_string();
            let out = sh.run_script(&script, Vec::new()).await;
            if !out.stdout.is_empty() {
                let _ = socket.send(frame(1, &crlf(&out.stdout))).await;
            }
            if !out.stderr.is_empty() {
                let _ = socket.send(frame(if tty { 1 } else { 2 }, &crlf(&out.stderr))).await;
            }
            if sh.exited() {
                break 'session;
            }
            if tty {
                let _ = socket.send(frame(1, b"# ")).await;
            }
        }
    }
    if !line.is_empty() && !sh.exited() {
        let script = String::from_utf8_lossy(&line).to_string();
        let out = sh.run_script(&script, Vec::new()).await;
        let _ = socket.send(frame(1, &out.stdout)).await;
    }
    sh.last
}

/// A readiness probe's result now (the kubelet's prober): `exec` runs in the shell and
/// passes on exit 0; `httpGet` against an nginx image passes when nginx would answer 200 (the
/// file, or `index.html` for a directory, exists under its html root); other probes pass.
/// `Err` is the prober's output for the event (upstream `pkg/probe/http/http.go`: `HTTP probe
/// failed with statuscode: 404`; `pkg/probe/exec`: the command's output).
pub fn probe(store: &Store, opts: &Options, pod: &Pod, c: &PodContainer) -> Result<(), String> {
    let Some(p) = c.readiness_probe.as_ref() else { return Ok(()) };
    if let Some(e) = &p.exec {
        let argv = e.command.clone().unwrap_or_default();
        if argv.is_empty() {
            return Err(String::new());
        }
        let out = futures::executor::block_on(run_with_speed(store, opts, pod, c, &argv, Vec::new(), f64::INFINITY));
        if out.code == 0 {
            return Ok(());
        }
        let mut text = out.stdout;
        text.extend_from_slice(&out.stderr);
        return Err(String::from_utf8_lossy(&text).into_owned());
    }
    if let Some(h) = &p.http_get {
        if !probe::served_by_nginx(c) {
            return Ok(());
        }
        let fs = container_fs(store, opts, pod, c);
        let at = |path: &str| {
            let real = fs.resolve(path).0;
            if real.is_dir() {
                probe::Entry::Dir { index: real.join("index.html").is_file() }
            } else if real.is_file() {
                probe::Entry::File
            } else {
                probe::Entry::Missing
            }
        };
        return probe::nginx_http_get(h.path.as_deref().unwrap_or("/"), &at);
    }
    Ok(())
}

/// The attached main process ended: its container terminated with `code`. Under
/// `restartPolicy: Never` (or `OnFailure` with exit 0) the pod is finished, Succeeded or
/// Failed, as the kubelet reports it; otherwise the container restarts.
fn container_exited(store: &Store, pod: &Pod, c: &PodContainer, code: i32) {
    let ns = pod.metadata.namespace.clone().unwrap_or_default();
    let name = pod.metadata.name.clone().unwrap_or_default();
    let policy = pod.spec.as_ref().and_then(|s| s.restart_policy.clone()).unwrap_or_else(|| "Always".into());
    let finished = policy == "Never" || (policy == "OnFailure" && code == 0);
    let now = crate::clock::format_time(store.clock().now());
    let opts = crate::store::WriteOptions { field_manager: Some("kubelet".into()), ..Default::default() };
    let uid = pod.metadata.uid.clone();
    let _ = store.modify(&resources::PODS, &ns, &name, crate::strategy::Subresource::Status, &opts, |cur| {
        if cur["metadata"]["uid"].as_str() != uid.as_deref() {
            return Err(ApiError::conflict("", "pods", &name, "the pod was replaced"));
        }
        let mut p = cur.clone();
        let reason = if code == 0 { "Completed" } else { "Error" };
        for cs in p["status"]["containerStatuses"].as_array_mut().into_iter().flatten() {
            if cs["name"] != c.name.as_str() {
                continue;
            }
            let started = cs["state"]["running"]["startedAt"].clone();
            let cid = cs["containerID"].clone();
            cs["ready"] = json!(false);
            if finished {
                cs["started"] = json!(false);
                cs["state"] = json!({"terminated": {"exitCode": code, "reason": reason, "startedAt": started, "finishedAt": now, "containerID": cid}});
            } else {
                cs["restartCount"] = json!(cs["restartCount"].as_i64().unwrap_or(0) + 1);
                cs["lastState"] = json!({"terminated": {"exitCode": code, "reason": reason, "startedAt": started, "finishedAt": now, "containerID": cid}});
                cs["state"] = json!({"running": {"startedAt": now}});
                cs["ready"] = json!(true);
            }
        }
        if finished {
            p["status"]["phase"] = json!(if code == 0 { "Succeeded" } else { "Failed" });
            for cond in p["status"]["conditions"].as_array_mut().into_iter().flatten() {
                if cond["type"] == "Ready" || cond["type"] == "ContainersReady" {
                    cond["status"] = json!("False");
                    cond["reason"] = json!("PodCompleted");
                    cond["lastTransitionTime"] = json!(now);
                }
            }
        }
        Ok(p)
    });
}

/// The `Status` the kubelet writes on the error channel when the command ends.
pub fn exit_status(argv: &[String], code: i32) -> Value {
    if code == 0 {
        return json!({"metadata": {}, "status": "Success"});
    }
    json!({"metadata": {}, "status": "Failure",
        "message": format!("command terminated with non-zero exit code: error executing command [{}], exit code {code}", argv.join(" ")),
        "reason": "NonZeroExitCode",
        "details": {"causes": [{"reason": "ExitCode", "message": code.to_string()}]}})
}

async fn exec_handler(
    State(ctx): State<Ctx>,
    UrlPath((ns, name)): UrlPath<(String, String)>,
    RawQuery(q): RawQuery,
    ws: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Response<Body> {
    stream_handler(ctx, ns, name, q, ws, false)
}

/// `pods/<name>/attach` (`kubectl run -it`, `kubectl attach -it`): the container's main
/// process; a shell (busybox's and alpine's default command) is interactive.
async fn attach_handler(
    State(ctx): State<Ctx>,
    UrlPath((ns, name)): UrlPath<(String, String)>,
    RawQuery(q): RawQuery,
    ws: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Response<Body> {
    stream_handler(ctx, ns, name, q, ws, true)
}

/// The image's default command, for the images the book's examples attach to.
fn main_process(c: &PodContainer) -> Vec<String> {
    let argv: Vec<String> = c.command.iter().flatten().chain(c.args.iter().flatten()).cloned().collect();
    if !argv.is_empty() {
        return argv;
    }
    let image = c.image.as_deref().unwrap_or("");
    if ["busybox", "alpine", "ubuntu", "debian"].iter().any(|i| image.contains(i)) { vec!["sh".into()] } else { vec!["sleep".into(), "infinity".into()] }
}

fn stream_handler(ctx: Ctx, ns: String, name: String, q: Option<String>, ws: Result<WebSocketUpgrade, WebSocketUpgradeRejection>, attach: bool) -> Response<Body> {
    let p = params(q.as_deref());
    let get = |k: &str| p.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let flag = |k: &str| matches!(get(k), Some("true") | Some("1"));
    let (pod, c) = match find(&ctx.store, &ns, &name, get("container")) {
        Ok(x) => x,
        Err(e) => return status_response(&e),
    };
    let argv: Vec<String> = if attach {
        // Only a shell reading its input can be talked to; any other main process already runs
        // and prints nothing more.
        let m = main_process(&c);
        let shell = matches!(m[0].rsplit('/').next().unwrap_or(""), "sh" | "bash" | "ash" | "dash") && !m.iter().any(|a| a == "-c");
        if shell { m } else { vec!["sleep".into(), "infinity".into()] }
    } else { p.iter().filter(|(k, _)| k == "command").map(|(_, v)| v.clone()).collect() };
    if argv.is_empty() {
        return status_response(&ApiError::bad_request("you must specify at least one command for the container"));
    }
    if let Err(_reason) = running(&pod, &c) {
        return status_response(&ApiError::bad_request(format!("container not found (\"{}\")", c.name)));
    }
    let Ok(ws) = ws else {
        // SPDY (kubectl before 1.30, or with websockets turned off) is not spoken here.
        return status_response(&ApiError::bad_request("Upgrade request required: this server speaks the v5.channel.k8s.io and v4.channel.k8s.io WebSocket protocols"));
    };
    let ws = ws.protocols(["v5.channel.k8s.io", "v4.channel.k8s.io", "v3.channel.k8s.io", "v2.channel.k8s.io", "channel.k8s.io"]);
    let v5 = ws.selected_protocol().is_some_and(|p| p == "v5.channel.k8s.io");
    let (want_stdin, want_stdout, want_stderr, tty) = (flag("stdin"), flag("stdout") || get("stdout").is_none(), flag("stderr") || get("stderr").is_none(), flag("tty"));
    ws.on_upgrade(move |socket| async move {
        session(socket, ctx, pod, c, argv, v5, want_stdin, want_stdout, want_stderr, tty, attach).await;
    })
}

#[allow(clippy::too_many_arguments)]
async fn session(mut socket: WebSocket, ctx: Ctx, pod: Pod, c: PodContainer, argv: Vec<String>, v5: bool, want_stdin: bool, want_stdout: bool, want_stderr: bool, tty: bool, attach: bool) {
    // Commands that read their input wait for stdin to close (v5's close signal, or the
    // socket's end); everything else runs at once.
    let name = argv[0].rsplit('/').next().unwrap_or("").to_string();
    let is_shell = matches!(name.as_str(), "sh" | "bash" | "ash" | "dash") && !argv.iter().any(|a| a == "-c");
    if want_stdin && is_shell {
        // Without a terminal the shell says nothing before its first input, and input proves
        // the client ready; with one, the first prompt waits for the client.
        let first = if tty { client_ready(&mut socket).await } else { None };
        let code = interactive(&mut socket, &ctx, &pod, &c, v5, tty, first).await;
        if attach {
            container_exited(&ctx.store, &pod, &c, code);
        }
        let status = serde_json::to_vec(&exit_status(&argv, code)).unwrap_or_default();
        let _ = socket.send(frame(3, &status)).await;
        let _ = socket.send(Message::Close(Some(CloseFrame { code: 1000, reason: "".into() }))).await;
        let _ = tokio::time::timeout(std::time::Duration::from_secs(2), async { while let Some(Ok(_)) = socket.recv().await {} }).await;
        return;
    }
    if argv.first().map(String::as_str) == Some("sleep") && argv.get(1).map(String::as_str) == Some("infinity") {
        // Attached to a process that prints nothing: wait until the client leaves.
        while let Some(Ok(m)) = socket.recv().await {
            if matches!(m, Message::Close(_)) {
                break;
            }
        }
        return;
    }
    let reads_stdin = name == "cat" && argv.len() == 1;
    let mut stdin = Vec::new();
    if want_stdin && reads_stdin {
        while let Some(Ok(msg)) = socket.recv().await {
            match msg {
                Message::Binary(b) if !b.is_empty() => match b[0] {
                    0 => stdin.extend_from_slice(&b[1..]),
                    255 if v5 && b.get(1) == Some(&0) => break,
                    _ => {}
                },
                Message::Close(_) => break,
                _ => {}
            }
        }
    }
    let out = if want_stdin && reads_stdin {
        // The client sent its input (or its end): its streams are registered.
        run_in(&ctx.store, &ctx.opts, &pod, &c, &argv, stdin).await
    } else {
        // The command runs while the client gets ready; what it sends meanwhile (input for
        // a command that does not read it) is dropped, as the kubelet's would be.
        let (out, _) = tokio::join!(run_in(&ctx.store, &ctx.opts, &pod, &c, &argv, stdin), client_ready(&mut socket));
        out
    };
    if want_stdout && !out.stdout.is_empty() {
        let _ = socket.send(frame(1, &out.stdout)).await;
    }
    if !out.stderr.is_empty() {
        if tty {
            let _ = socket.send(frame(1, &out.stderr)).await;
        } else if want_stderr {
            let _ = socket.send(frame(2, &out.stderr)).await;
        }
    }
    let status = serde_json::to_vec(&exit_status(&argv, out.code)).unwrap_or_default();
    let _ = socket.send(frame(3, &status)).await;
    let _ = socket.send(Message::Close(Some(CloseFrame { code: 1000, reason: "".into() }))).await;
    // Let the client read everything before the connection goes.
    let _ = tokio::time::timeout(std::time::Duration::from_secs(2), async { while let Some(Ok(_)) = socket.recv().await {} }).await;
}

/// What a container printed: nginx images log their start-up as the official image's
/// entrypoint does; others print nothing unless they ran `echo` in their command.
pub fn container_log(pod: &Pod, c: &PodContainer) -> String {
    let started = pod
        .status
        .as_ref()
        .and_then(|s| s.container_statuses.as_ref())
        .and_then(|l| l.iter().find(|s| s.name == c.name))
        .and_then(|s| s.state.as_ref()?.running.as_ref()?.started_at.clone())
        .map(|t| t.0.strftime("%Y/%m/%d %H:%M:%S").to_string())
        .unwrap_or_default();
    let image = c.image.as_deref().unwrap_or("");
    if image.contains("nginx") {
        return format!(
            "{started} [notice] 1#1: using the \"epoll\" event method\n{started} [notice] 1#1: nginx/1.27.0\n{started} [notice] 1#1: start worker processes\n{started} [notice] 1#1: start worker process 30\n"
        );
    }
    // `sh -c "echo ...; sleep ..."` style commands: their echo lines.
    let script: Vec<String> = c.command.iter().flatten().chain(c.args.iter().flatten()).cloned().collect();
    let mut out = String::new();
    if let Some(pos) = script.iter().position(|a| a == "-c") {
        for stmt in script.get(pos + 1).map(String::as_str).unwrap_or("").split([';', '\n']) {
            let stmt = stmt.trim();
            if let Some(rest) = stmt.strip_prefix("echo ") {
                out.push_str(rest.trim_matches(['"', '\'']));
                out.push('\n');
            }
        }
    }
    out
}

async fn log_handler(State(ctx): State<Ctx>, UrlPath((ns, name)): UrlPath<(String, String)>, RawQuery(q): RawQuery) -> Response<Body> {
    let p = params(q.as_deref());
    let get = |k: &str| p.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let (pod, c) = match find(&ctx.store, &ns, &name, get("container")) {
        Ok(x) => x,
        Err(e) => return status_response(&e),
    };
    if let Err(reason) = running(&pod, &c) {
        return status_response(&ApiError::bad_request(format!("container \"{}\" in pod \"{name}\" is waiting to start: {reason}", c.name)));
    }
    let mut text = container_log(&pod, &c);
    if let Some(n) = get("tailLines").and_then(|n| n.parse::<usize>().ok()) {
        let lines: Vec<&str> = text.lines().collect();
        text = lines[lines.len().saturating_sub(n)..].iter().map(|l| format!("{l}\n")).collect();
    }
    let follow = matches!(get("follow"), Some("true") | Some("1"));
    let resp = Response::builder().status(200).header(header::CONTENT_TYPE, "text/plain");
    if !follow {
        return resp.body(Body::from(text)).expect("response");
    }
    // Follow: the lines, then hold the stream open until the pod is gone or replaced.
    let store = ctx.store.clone();
    let uid = pod.metadata.uid.clone();
    let stream = async_stream::stream! {
        yield Ok::<_, std::io::Error>(bytes::Bytes::from(text));
        loop {
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            match store.get(&resources::PODS, &ns, &name) {
                Ok(p) if p["metadata"]["uid"].as_str() == uid.as_deref() && !p["metadata"]["deletionTimestamp"].is_string() => {}
                _ => break,
            }
        }
    };
    resp.body(Body::from_stream(stream)).expect("response")
}
