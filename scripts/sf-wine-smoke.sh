#!/usr/bin/env bash
# The Service Fabric application package's entry point on Windows, shown on Linux: builds the package
# (npm run package:sf), starts its code package as Service Fabric would (node.exe dist\src\main.js from
# the Code folder, Fabric_Endpoint_MetricsEndpoint set) under Wine in demo mode, scrapes /metrics from
# Linux, checks the demo's series (its path files and packages included), then stops it with Ctrl+C (what Service Fabric sends) and checks
# that it stopped cleanly. Installs Debian's wine64 when it is missing (as root or with sudo -n).
#
# Every Wine workaround lives here, never in the product, each with its cause.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
WINE=/usr/lib/wine/wine64

if [ ! -x "$WINE" ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo -n"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get install -y -qq --no-install-recommends wine64 >/dev/null 2>&1 \
    || { $sudo apt-get update -qq && $sudo apt-get install -y -qq --no-install-recommends wine64 >/dev/null; }
fi
"$WINE" --version

npm run --silent package:sf
CODE="$ROOT/dist/sfpkg/SfUploadExporter/SfUploadExporterPkg/Code"

work=$(mktemp -d)
wine_pid=""
cleanup() {
  [ -n "$wine_pid" ] && kill -KILL "$wine_pid" 2>/dev/null || true
  WINEPREFIX="$work/prefix" /usr/lib/wine/wineserver -k 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

export WINEPREFIX="$work/prefix" WINEDEBUG=-all
# Wine 8 reports an older Windows than Node 22 supports (it asks for 8.1 or Server 2012 R2), so
# node.exe refuses to start without this; real Service Fabric nodes run Server 2016 or later.
export NODE_SKIP_PLATFORM_CHECK=1
# What Service Fabric sets for the code package: the endpoint's port (read by the exporter).
port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
export Fabric_Endpoint_MetricsEndpoint=$port
# Under Wine, socket.setKeepAlive() on a socket still connecting fails the connect with
# "connect UNKNOWN" (real Windows accepts it); undici calls it for every connection, so the demo's
# polls of its simulator would all fail. The preload defers the call to the socket's connect event.
preload="file:///Z:$ROOT/scripts/wine-keepalive.mjs"
log="$work/exporter.log"
# Under Wine, node.exe's stdout must be a file: a pipe gives EBADF on the first write. Wine maps / to
# Z:, and node.exe runs from the Code folder with the relative script path, as the manifest says.
(cd "$CODE" && exec "$WINE" node.exe --import "$preload" dist/src/main.js --demo >"$log" 2>&1) &
wine_pid=$!

metrics="$work/metrics.txt"
deadline=$((SECONDS + 180))
until curl -sf "http://127.0.0.1:$port/metrics" -o "$metrics" && grep -q '^servicefabric_imagestore_upload_session_size_bytes{' "$metrics"; do
  if ! kill -0 "$wine_pid" 2>/dev/null; then
    echo "node.exe under Wine exited before serving the demo's metrics:"; cat "$log"; exit 1
  fi
  if [ "$SECONDS" -ge "$deadline" ]; then
    echo "no demo series on http://127.0.0.1:$port/metrics after 180 s:"; cat "$log"; exit 1
  fi
  sleep 2
done

fail=0
expect() {
  if grep -qE "$1" "$metrics"; then echo "ok: $2"; else echo "MISSING: $2 ($1)"; fail=1; fi
}
expect '^servicefabric_exporter_build_info\{.*nodejs_version="v22\.' 'build info from Node 22 (the Windows build)'
expect '^servicefabric_imagestore_poll_success\{sf_cluster="demo",[^}]*\} 1$' "a successful poll of the demo's cluster"
expect '^servicefabric_imagestore_upload_session_size_bytes\{sf_cluster="demo",' "the demo's upload sessions"
expect '^servicefabric_imagestore_path_state\{sf_cluster="demo",' "the demo's path states"
# The demo's path files are found by a pattern with Windows separators (C:\...\*.yaml): their paths
# and packages show only when the exporter hands the pattern to fast-glob with / separators.
expect '^servicefabric_imagestore_watched_paths\{sf_cluster="demo",source="file"\} [1-9]' "content paths from the demo's path files (a Windows glob pattern)"
expect '^servicefabric_imagestore_package_files\{sf_cluster="demo",' "the demo's package series"
grep -q "\"listen_address\":\"\[::\]:$port\"" "$log" && echo "ok: listening on Fabric_Endpoint_MetricsEndpoint ($port)" \
  || { echo "MISSING: listening on Fabric_Endpoint_MetricsEndpoint ($port)"; fail=1; }

# Ctrl+C: Wine turns SIGINT into the console's CTRL_C_EVENT, which Service Fabric sends to stop a
# guest executable and Node raises as SIGINT.
kill -INT "$wine_pid"
deadline=$((SECONDS + 30))
while kill -0 "$wine_pid" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do sleep 1; done
if grep -q '"msg":"stopped"' "$log"; then echo "ok: stopped cleanly on Ctrl+C"; else echo "MISSING: a clean stop on Ctrl+C"; tail -5 "$log"; fail=1; fi
wine_pid=""

[ "$fail" -eq 0 ] || { echo "--- exporter log"; cat "$log"; exit 1; }
echo "the Service Fabric package's entry point runs under Wine and serves the demo's metrics"
