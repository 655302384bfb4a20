#!/usr/bin/env bash
# Makes a kustomize renderer available to the deployment-file test without touching the system:
# Debian's kubernetes-client package (kubectl 1.20, kustomize v2 built in) is downloaded with
# apt-get and unpacked under tmp/kubernetes-client (git-ignored); nothing is installed. Prints the
# path of its kubectl. Skipped when tmp/kubernetes-client/usr/bin/kubectl exists already.
set -euo pipefail
cd "$(dirname "$0")/../.."
dir="$PWD/tmp/kubernetes-client"
kubectl="$dir/usr/bin/kubectl"
if [ ! -x "$kubectl" ]; then
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  chmod 777 "$work"
  if ! (cd "$work" && apt-get download -qq kubernetes-client >/dev/null 2>&1); then
    apt-get update -qq >/dev/null
    (cd "$work" && apt-get download -qq kubernetes-client >/dev/null)
  fi
  mkdir -p "$dir"
  dpkg-deb -x "$work"/kubernetes-client_*.deb "$dir"
fi
"$kubectl" version --client >/dev/null
echo "$kubectl"
