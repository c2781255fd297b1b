//! Each example's own namespace: created labelled as the book's, removed afterwards, and the
//! leftovers of an interrupted run found and removed (the mechanism is shared with the
//! workshop checker: `cluster_choice::namespace`).

use anyhow::Result;
use cluster_choice::namespace::{self, Owner};
use kube::Client;
use super::args::Lang;
use super::cluster::VOICE;

const OWNER: Owner = Owner {
    label: "statefulset-book",
    maker: ("these examples", "이 예제들이"),
    run: ("run", "실행"),
    announce_removal: true,
};

pub fn namespace_for(example: &str) -> String {
    format!("sts-book-{}", example.replace('_', "-"))
}

pub(super) async fn prepare_namespace(client: &Client, lang: Lang, ns: &str) -> Result<()> {
    namespace::prepare(client, lang, &VOICE, &OWNER, ns).await
}

pub(super) async fn remove_namespace(client: &Client, lang: Lang, ns: &str) -> Result<()> {
    namespace::remove(client, lang, &VOICE, &OWNER, ns).await
}
