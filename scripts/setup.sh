#!/usr/bin/env bash
# Idempotent set-up of a fresh Debian machine for this project: system packages,
# a virtualenv in .venv with the project and its test tools installed.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v busybox >/dev/null 2>&1 || need_apt+=(busybox)
command -v git >/dev/null 2>&1 || need_apt+=(git)
command -v make >/dev/null 2>&1 || need_apt+=(make)
command -v cc >/dev/null 2>&1 || need_apt+=(gcc libc6-dev)
# the web UI's browser test drives Debian's headless chromium (Playwright never downloads one)
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
if [ "${#need_apt[@]}" -gt 0 ]; then
    if [ "$(id -u)" = 0 ]; then
        apt-get update -qq >/dev/null
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
    else
        echo "setup: please install ${need_apt[*]} (needs root)" >&2
    fi
fi

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
fi
stamp=.venv/.installed-$(sha1sum pyproject.toml | cut -c1-12)
if [ ! -f "$stamp" ]; then
    .venv/bin/pip install -q --upgrade pip >/dev/null
    .venv/bin/pip install -q -e '.[test]'
    rm -f .venv/.installed-*
    touch "$stamp"
fi

# The overlay sandbox's entry program and every container process's shim
# (workflow_engine/runtime/process/wf_sandbox.c), rebuilt when its source is newer;
# without it the runtime enters sandboxes in Python, about three times slower per pod,
# and its pods die with it instead of being adopted by the next runtime.
helper_dir=workflow_engine/runtime/process
helper_src=("$helper_dir/wf_sandbox.c" "$helper_dir/wf_isolate.c" "$helper_dir/wf_seccomp.c")
stale=0
for src in "${helper_src[@]}" "$helper_dir/wf_isolate.h"; do
    [ .venv/bin/wf-sandbox -ot "$src" ] && stale=1
done
if [ "$stale" = 1 ] && command -v cc >/dev/null 2>&1; then
    # static when libc.a is there: no dynamic loader run per pod
    if cc -O2 -Wall -static -o .venv/bin/wf-sandbox.tmp "${helper_src[@]}" 2>/dev/null ||
        cc -O2 -Wall -o .venv/bin/wf-sandbox.tmp "${helper_src[@]}"; then
        mv .venv/bin/wf-sandbox.tmp .venv/bin/wf-sandbox
    else
        echo "setup: wf-sandbox not built; overlay sandboxes will be entered in Python" >&2
    fi
fi
