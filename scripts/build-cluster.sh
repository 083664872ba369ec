#!/usr/bin/env bash
# Build the test Kubernetes control plane (etcd, kube-apiserver, kube-controller-manager,
# kube-scheduler) from the Go module in tests/cluster/build, into a per-machine cache
# directory keyed by the pinned versions. Idempotent: a second run with the same go.sum
# is a no-op. Prints the bin directory on its last line of stdout.
#   WF_CLUSTER_CACHE   cache root (default ~/.cache/wf-cluster)
#   WF_CLUSTER_KUBECTL=1  also build kubectl (done anyway when none is on PATH)
set -euo pipefail
cd "$(dirname "$0")/../tests/cluster/build"
command -v go >/dev/null 2>&1 || PATH=/usr/local/go/bin:$PATH
command -v go >/dev/null 2>&1 || { echo "build-cluster: needs Go 1.24 or newer on PATH" >&2; exit 1; }

k8s=$(awk '$1 == "k8s.io/kubernetes" {print $2; exit}' go.mod)
etcd=$(awk '$1 == "go.etcd.io/etcd/server/v3" {print $2; exit}' go.mod)
cache=${WF_CLUSTER_CACHE:-$HOME/.cache/wf-cluster}
dest=$cache/k8s-$k8s-etcd-$etcd
bin=$dest/bin
stamp=$dest/.built-$(cat go.mod go.sum | sha1sum | cut -c1-12)

cmds=(k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager
      k8s.io/kubernetes/cmd/kube-scheduler ./cmd/etcd)
want_kubectl=${WF_CLUSTER_KUBECTL:-0}
command -v kubectl >/dev/null 2>&1 || want_kubectl=1
[ "$want_kubectl" = 1 ] && cmds+=(k8s.io/kubernetes/cmd/kubectl)

built() {
    [ -f "$stamp" ] || return 1
    for c in "${cmds[@]}"; do [ -x "$bin/$(basename "$c")" ] || return 1; done
}

mkdir -p "$dest"
exec 9>"$dest/.lock"
flock 9   # one build at a time per machine; the second caller then finds it built
if built; then
    echo "build-cluster: up to date ($k8s, etcd $etcd)" >&2
    echo "$bin"
    exit 0
fi

minor=${k8s#v1.}; minor=${minor%%.*}
ver=k8s.io/component-base/version
ldflags="-s -w -X $ver.gitVersion=$k8s -X $ver.gitMajor=1 -X $ver.gitMinor=$minor"
ldflags+=" -X $ver.gitTreeState=clean -X $ver.buildDate=1970-01-01T00:00:00Z"

echo "build-cluster: building k8s $k8s and etcd $etcd into $bin (first build is slow)" >&2
echo "build-cluster: GOCACHE=$(go env GOCACHE) GOMODCACHE=$(go env GOMODCACHE)" >&2
tmp=$(mktemp -d "$dest/.tmp.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
start=$(date +%s)
nice -n 10 go build -mod=readonly -buildvcs=false -trimpath -ldflags "$ldflags" \
    -o "$tmp/" "${cmds[@]}"
mkdir -p "$bin"
for c in "${cmds[@]}"; do mv -f "$tmp/$(basename "$c")" "$bin/"; done
rm -f "$dest"/.built-*
touch "$stamp"
echo "build-cluster: built in $(( $(date +%s) - start )) s" >&2
echo "$bin"
