//! The lab server's [`NodeHost`]: probes and main processes run in the lab's shell over the
//! pod's real directories, and volume and pod directories are created and removed on disk.

use super::{NodeHost, Options, exec, volumes};
use crate::store::Store;
use k8s_openapi::api::core::v1::{Container, PersistentVolume, Pod};
use std::sync::Arc;

pub struct LabHost {
    pub opts: Arc<Options>,
}

impl NodeHost for LabHost {
    fn readiness_probe(&self, store: &Store, pod: &Pod, c: &Container) -> Result<(), String> {
        exec::probe(store, &self.opts, pod, c)
    }

    fn run_main_process(&self, store: &Store, pod: &Pod, c: &Container, argv: &[String]) -> i32 {
        // Probes and main processes do not wait (`sleep` at infinite speed).
        futures::executor::block_on(exec::run_with_speed(store, &self.opts, pod, c, argv, Vec::new(), f64::INFINITY)).code
    }

    fn pod_removed(&self, node: &str, uid: &str) {
        let _ = std::fs::remove_dir_all(exec::pod_dir(&self.opts, node, uid));
    }

    fn volume_provisioned(&self, pv: &PersistentVolume) {
        // local-path-provisioner's helper pod `mkdir -m 0777 -p`.
        if let Some(dir) = volumes::volume_dir(&self.opts, pv)
            && !dir.exists()
        {
            let _ = std::fs::create_dir_all(&dir);
        }
    }

    fn volume_deleted(&self, pv: &PersistentVolume) {
        if let Some(dir) = volumes::volume_dir(&self.opts, pv) {
            let _ = std::fs::remove_dir_all(&dir);
        }
    }
}
