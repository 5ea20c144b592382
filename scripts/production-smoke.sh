#!/usr/bin/env bash
# Installs the built package with production dependencies only (as the Dockerfile's runtime stage
# and `npx` do) in a temporary folder, then starts each command far enough to prove every module it
# loads is installed: a devDependency imported at run time fails here, not in users' images.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cp -r package.json package-lock.json dist config "$dir"/
cd "$dir"
npm ci --omit=dev --no-audit --no-fund --ignore-scripts >/dev/null
node dist/src/main.js --version
node dist/src/main.js --config.check --config.file config/example.yaml
node dist/src/main.js simulate --help >/dev/null
node dist/src/main.js status --help >/dev/null
node dist/src/main.js paths --help >/dev/null
# The demo loads everything the daemon does (exporter, simulator, scenario, logfmt logging).
timeout -s INT 5 node dist/src/main.js --demo --web.listen-address 127.0.0.1:0 --log.format logfmt >/dev/null || [ $? -eq 124 ]
echo "production install starts"
