"""GitOps: the desired state of each environment lives in a git repository; these
modules render an environment, compare it with the cluster, apply it, watch its health
and report drift. Callers import the submodules (render, diff, apply, health, drift,
status, canary) directly."""
