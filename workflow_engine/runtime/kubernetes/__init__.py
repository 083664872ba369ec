"""The Kubernetes runtime: pods are real Pods on a cluster (see runtime.KubernetesRuntime).

client     ApiClient from a kubeconfig or in-cluster; errors translated at this edge
convert    Pod dicts -> PodObservation (pure)
informer   list + watch of pods, re-list on 410, backoff on failures
runtime    the Runtime port: create, delete, observe, logs, listeners
"""

from workflow_engine.runtime.kubernetes.client import load_api_client
from workflow_engine.runtime.kubernetes.runtime import KubernetesRuntime

__all__ = ["KubernetesRuntime", "load_api_client"]
