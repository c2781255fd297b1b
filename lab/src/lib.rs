//! The lab cluster: a Kubernetes API server on 127.0.0.1 for learning and testing.
