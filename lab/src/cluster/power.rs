//! `lab node stop NODE` and `lab node start NODE`: what `docker stop kind-worker` and
//! `docker start kind-worker` do to a kind node, from outside the lab server process.
//!
//! The server answers `POST /lab/nodes/{node}/stop` and `POST /lab/nodes/{node}/start` (admin
//! endpoints, not Kubernetes API paths) with the node's name, as docker prints it. Stopping
//! stops the node's kubelet ([`super::node_lifecycle::Kubelets`]: no lease renewal, no status,
//! no pod steps); starting it again re-registers the Node if it was deleted meanwhile (as a
//! kubelet does when its Node object is gone), then posts the node's status.

use super::{Options, nodes};
use crate::errors::ApiError;
use crate::resources;
use crate::store::Store;
use axum::body::Body;
use axum::extract::{Path as UrlPath, State};
use axum::http::{Response, StatusCode, header};
use std::sync::Arc;

#[derive(Clone)]
struct Ctx {
    store: Arc<Store>,
    opts: Arc<Options>,
}

/// `POST /lab/nodes/{node}/stop|start`; merge in front of the API server's router.
pub fn routes(store: Arc<Store>, opts: Arc<Options>) -> axum::Router {
    axum::Router::new().route("/lab/nodes/{node}/{action}", axum::routing::post(handler)).with_state(Ctx { store, opts })
}

fn text(code: StatusCode, body: String) -> Response<Body> {
    Response::builder().status(code).header(header::CONTENT_TYPE, "text/plain; charset=utf-8").body(Body::from(body)).expect("response")
}

async fn handler(State(ctx): State<Ctx>, UrlPath((node, action)): UrlPath<(String, String)>) -> Response<Body> {
    if !ctx.opts.nodes.iter().any(|n| n.name == node) {
        // docker's own words for a container that does not exist, and the lab's node names.
        let names: Vec<&str> = ctx.opts.nodes.iter().map(|n| n.name.as_str()).collect();
        return text(StatusCode::NOT_FOUND, format!("Error response from daemon: No such container: {node} (the lab's nodes: {})\n", names.join(", ")));
    }
    let done = match action.as_str() {
        "stop" => stop(&ctx.store, &ctx.opts, &node),
        "start" => start(&ctx.store, &ctx.opts, &node),
        other => return text(StatusCode::NOT_FOUND, format!("unknown action {other:?}: stop or start\n")),
    };
    match done {
        Ok(()) => text(StatusCode::OK, format!("{node}\n")),
        Err(e) => text(StatusCode::from_u16(e.code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR), format!("{}\n", e.message)),
    }
}

/// Stop the node's kubelet. A node whose Node object was deleted stops as well (its kubelet
/// still runs on kind until `docker stop`): it registers again first.
pub fn stop(store: &Arc<Store>, opts: &Options, node: &str) -> Result<(), ApiError> {
    if store.get(&resources::NODES, "", node).is_err() {
        opts.kubelets.start_or_register(store, node, Some(registration(store, opts, node)?))?;
    }
    opts.kubelets.stop(store, node)
}

/// Start the node's kubelet: it registers its Node again if it is gone, then posts its status.
pub fn start(store: &Arc<Store>, opts: &Options, node: &str) -> Result<(), ApiError> {
    opts.kubelets.start_or_register(store, node, Some(registration(store, opts, node)?))
}

/// The Node the kubelet registers (`registerWithAPIServer`), with the address and pod CIDR
/// kind gave it.
fn registration(store: &Store, opts: &Options, node: &str) -> Result<serde_json::Value, ApiError> {
    let Some(index) = opts.nodes.iter().position(|n| n.name == node) else {
        return Err(ApiError::not_found("", "nodes", node));
    };
    Ok(nodes::node_object(&opts.nodes[index], index, &crate::clock::format_time(store.clock().now()), store))
}

/// The client side of `lab node stop|start NODE`: ask the lab cluster `kubeconfig` points at
/// (`$KUBECONFIG`, then `~/.kube/config`, when `None`); the server's answer, or its error.
pub async fn request(kubeconfig: Option<&std::path::Path>, action: &str, node: &str) -> anyhow::Result<String> {
    let config = match kubeconfig {
        Some(path) => kube::Config::from_custom_kubeconfig(kube::config::Kubeconfig::read_from(path)?, &Default::default()).await?,
        None => kube::Config::infer().await?,
    };
    let url = config.cluster_url.to_string();
    let client = kube::Client::try_from(config)?;
    let req = axum::http::Request::post(format!("/lab/nodes/{node}/{action}")).body(kube::client::Body::from(Vec::new()))?;
    let resp = client.send(req).await?;
    let status = resp.status();
    let body = http_body_util::BodyExt::collect(resp.into_body()).await?.to_bytes();
    let body = String::from_utf8_lossy(&body).into_owned();
    if status == StatusCode::NOT_FOUND && !body.starts_with("Error response from daemon") && !body.starts_with("unknown action") {
        anyhow::bail!("the server at {url} is not a lab cluster (it has no /lab/nodes endpoint): {}", body.trim_end());
    }
    if !status.is_success() {
        anyhow::bail!("{}", body.trim_end());
    }
    Ok(body)
}
