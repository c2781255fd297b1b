//! Where the lab's volumes live on disk: each provisioned volume (and each hostPath) is a real
//! directory under `<volumes root>/<node>/<host path>`, so data written through a claim
//! survives the pod. The PersistentVolume controller and the provisioner are
//! `lab_core::cluster::volumes`.

use super::Options;
use k8s_openapi::api::core::v1::PersistentVolume;
use std::path::PathBuf;

pub use lab_core::cluster::volumes::{PV_PROTECTION_FINALIZER, PVC_PROTECTION_FINALIZER, Volumes, volume_host_path, volume_node};

/// The real directory behind a hostPath volume on a node.
pub fn host_dir(opts: &Options, node: &str, host_path: &str) -> PathBuf {
    opts.volumes_root.join(node).join(host_path.trim_start_matches('/'))
}

/// The real directory behind a provisioned volume, if it is a hostPath one.
pub fn volume_dir(opts: &Options, pv: &PersistentVolume) -> Option<PathBuf> {
    let (node, path) = volume_host_path(pv)?;
    Some(host_dir(opts, &node, &path))
}
