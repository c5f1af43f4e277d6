#!/usr/bin/env bash
# Start Jurang on this machine as deployed: N Streamlit replicas (deploy/serve.py: warm at process
# start) on loopback ports, and Debian's nginx in front of them (deploy/nginx.conf): compression,
# long-lived static caching, the WebSocket, sticky sessions. Runs in the foreground; Ctrl-C or
# SIGTERM stops the replicas and nginx it started (by PID).
#
#   deploy/start.sh [--replicas 2] [--port 8080] [--address 127.0.0.1] [--first-replica-port 8601] [--run-dir DIR]
#
# Files: RUN_DIR (default /tmp/jurang-deploy-UID: generated nginx.conf, logs, pid) and a cache
# (JURANG_CACHE_DIR, default /tmp/jurang-cache-UID: Streamlit's frontend pre-compressed once per version).
# Needs: the project's .venv (`make install`), a build (`make build`), nginx (apt-get install nginx;
# brotli when libnginx-mod-http-brotli-filter/-static are installed). Prints "jurang: ready at URL"
# once every replica answers through the proxy. Environment: JURANG_DATA_DIR (the build to serve),
# PYTHON (default .venv/bin/python), NGINX (default /usr/sbin/nginx).
set -euo pipefail

REPO="$(cd "$(dirname "$0")/.." && pwd)"
PYTHON="${PYTHON:-$REPO/.venv/bin/python}"
NGINX="${NGINX:-/usr/sbin/nginx}"
REPLICAS=2
PORT=8080
ADDRESS=127.0.0.1
FIRST_REPLICA_PORT=8601
RUN_DIR="${TMPDIR:-/tmp}/jurang-deploy-$(id -u)"

while (($#)); do
    case "$1" in
        --replicas) REPLICAS="$2"; shift 2 ;;
        --port) PORT="$2"; shift 2 ;;
        --address) ADDRESS="$2"; shift 2 ;;
        --first-replica-port) FIRST_REPLICA_PORT="$2"; shift 2 ;;
        --run-dir) RUN_DIR="$2"; shift 2 ;;
        -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
        *) echo "unknown option: $1 (see --help)" >&2; exit 2 ;;
    esac
done

[[ -x "$NGINX" ]] || { echo "nginx not found at $NGINX: apt-get install nginx (and libnginx-mod-http-brotli-filter libnginx-mod-http-brotli-static)" >&2; exit 1; }
[[ -x "$PYTHON" ]] || { echo "no $PYTHON: run 'make install' first" >&2; exit 1; }
# Shared by runs, readable by nginx's unprivileged workers: the pre-compressed frontend and nginx's temp files.
CACHE_DIR="${JURANG_CACHE_DIR:-${TMPDIR:-/tmp}/jurang-cache-$(id -u)}"
mkdir -p "$RUN_DIR" "$CACHE_DIR/nginx-tmp"
chmod 0755 "$CACHE_DIR"
PIDS=()

stop() {
    trap - EXIT INT TERM
    local pid
    for pid in "${PIDS[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    for pid in "${PIDS[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
}
trap stop EXIT
trap 'exit 0' INT TERM

# Streamlit's frontend, pre-compressed once per Streamlit version (gzip -9, and brotli when the CLI exists).
STREAMLIT_VERSION="$("$PYTHON" -c 'import importlib.metadata as m; print(m.version("streamlit"))')"
STREAMLIT_SOURCE="$("$PYTHON" -c 'import pathlib, importlib.util as u; print(pathlib.Path(u.find_spec("streamlit").origin).parent / "static" / "static")')"
STATIC="$CACHE_DIR/streamlit-$STREAMLIT_VERSION-static"
if [[ ! -f "$STATIC/.complete" ]]; then
    rm -rf "$STATIC.part" && cp -r "$STREAMLIT_SOURCE" "$STATIC.part"
    find "$STATIC.part" -type f \( -name '*.js' -o -name '*.css' -o -name '*.json' -o -name '*.svg' -o -name '*.wasm' -o -name '*.ttf' -o -name '*.map' \) -size +1k \
        -print0 | xargs -0 -r -P 2 -n 16 gzip -k -9
    if command -v brotli >/dev/null; then
        find "$STATIC.part" -type f \( -name '*.js' -o -name '*.css' -o -name '*.json' -o -name '*.svg' -o -name '*.wasm' -o -name '*.ttf' \) -size +1k \
            -print0 | xargs -0 -r -P 2 -n 16 brotli -k -q 9
    fi
    chmod -R a+rX "$STATIC.part"
    touch "$STATIC.part/.complete"
    rm -rf "$STATIC" && mv "$STATIC.part" "$STATIC"
fi

# brotli: only when Debian's modules are installed (they then load from /etc/nginx/modules-enabled).
LOAD_MODULES="" BROTLI="" BROTLI_STATIC=""
if [[ -f /usr/lib/nginx/modules/ngx_http_brotli_filter_module.so ]]; then
    LOAD_MODULES+="load_module /usr/lib/nginx/modules/ngx_http_brotli_filter_module.so;"
    BROTLI="    brotli on; brotli_comp_level 5; brotli_min_length 1024; brotli_types text/css text/plain text/javascript application/javascript application/json application/geo+json application/manifest+json image/svg+xml application/wasm font/ttf font/otf;"
fi
if [[ -f /usr/lib/nginx/modules/ngx_http_brotli_static_module.so ]] && command -v brotli >/dev/null; then
    LOAD_MODULES+=" load_module /usr/lib/nginx/modules/ngx_http_brotli_static_module.so;"
    BROTLI_STATIC="            brotli_static on;"
fi
# The page's critical path: the figure arrives, then the browser fetches and compiles Plotly's 4.7 MB chunk.
# A modulepreload hint in the HTML (nginx sub_filter) lets it do that while the server runs the script.
PLOTLY_CHUNK="$(cd "$STATIC/js" && ls PlotlyChart.*.js 2>/dev/null | head -1 || true)"
PRELOAD=""
[[ -n "$PLOTLY_CHUNK" ]] && PRELOAD="<link rel=\"modulepreload\" crossorigin href=\"./static/js/$PLOTLY_CHUNK\">"
UPSTREAMS=""
for ((i = 0; i < REPLICAS; i++)); do
    UPSTREAMS+="        server 127.0.0.1:$((FIRST_REPLICA_PORT + i)) max_fails=3 fail_timeout=10s;"$'\n'
done
USER_LINE=""
[[ "$(id -u)" == 0 ]] && USER_LINE="user www-data;"  # workers never run as root

CONF="$RUN_DIR/nginx.conf"
PLACEHOLDERS=(PRELOAD USER RUN_DIR TEMP_DIR LOAD_MODULES BROTLI BROTLI_STATIC UPSTREAMS LISTEN STREAMLIT_STATIC APP_STATIC)
declare -A VALUE=([PRELOAD]="$PRELOAD" [USER]="$USER_LINE" [RUN_DIR]="$RUN_DIR" [TEMP_DIR]="$CACHE_DIR/nginx-tmp" [LOAD_MODULES]="$LOAD_MODULES" [BROTLI]="$BROTLI" [BROTLI_STATIC]="$BROTLI_STATIC"
                  [UPSTREAMS]="${UPSTREAMS%$'\n'}" [LISTEN]="$ADDRESS:$PORT" [STREAMLIT_STATIC]="$STATIC" [APP_STATIC]="$REPO/dashboard/static")
TEXT="$(cat "$REPO/deploy/nginx.conf")"
for name in "${PLACEHOLDERS[@]}"; do
    TEXT="${TEXT//@$name@/${VALUE[$name]}}"
done
printf '%s\n' "$TEXT" > "$CONF"
"$NGINX" -t -q -p "$RUN_DIR" -c "$CONF" 2>"$RUN_DIR/nginx-test.log" || { echo "nginx rejected $CONF:" >&2; cat "$RUN_DIR/nginx-test.log" >&2; exit 1; }

# One cookie secret shared by the replicas (sign-in cookies and XSRF tokens verify on any of them).
export STREAMLIT_SERVER_COOKIE_SECRET="${STREAMLIT_SERVER_COOKIE_SECRET:-$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')}"
cd "$REPO"
for ((i = 0; i < REPLICAS; i++)); do
    port=$((FIRST_REPLICA_PORT + i))
    "$PYTHON" deploy/serve.py --server.port "$port" --server.address 127.0.0.1 --server.headless true \
        --browser.gatherUsageStats false >"$RUN_DIR/replica-$port.log" 2>&1 &
    PIDS+=("$!")
    echo "jurang: replica $((i + 1))/$REPLICAS pid $! on 127.0.0.1:$port (log $RUN_DIR/replica-$port.log)"
done
"$NGINX" -p "$RUN_DIR" -c "$CONF" -g "daemon off;" &
PIDS+=("$!")
echo "jurang: nginx pid $! on $ADDRESS:$PORT (config $CONF)"

# Ready when every replica and the proxy answer /_stcore/health.
for ((attempt = 0; attempt < 600; attempt++)); do
    ready=1
    for ((i = 0; i < REPLICAS; i++)); do
        [[ "$(curl -s -m 2 "http://127.0.0.1:$((FIRST_REPLICA_PORT + i))/_stcore/health" 2>/dev/null)" == ok ]] || ready=0
    done
    # the proxy only once the replicas answer: an early refusal would mark them down for fail_timeout
    ((ready)) && { [[ "$(curl -s -m 2 "http://$ADDRESS:$PORT/_stcore/health" 2>/dev/null)" == ok ]] || ready=0; }
    ((ready)) && break
    for pid in "${PIDS[@]}"; do
        kill -0 "$pid" 2>/dev/null || { echo "jurang: process $pid exited; logs in $RUN_DIR" >&2; exit 1; }
    done
    sleep 0.1
done
((ready)) || { echo "jurang: not healthy after 60 s; logs in $RUN_DIR" >&2; exit 1; }
echo "jurang: ready at http://$ADDRESS:$PORT"
wait -n "${PIDS[@]}" || true
echo "jurang: a process exited; stopping the others" >&2
exit 1
