#!/bin/sh
# A server and its load generator in one place (natively, or inside one sandbox):
#   servers.sh redis N    redis-server + redis-benchmark -n N: prints "redis_set RPS", "redis_get RPS"
#   servers.sh nginx SECS nginx (2 workers) + wrk for SECS seconds: prints "nginx RPS"
# Ports are above the usual ones so that a native run does not meet a host server.
set -eu
what=$1
arg=$2
dir=$(mktemp -d /tmp/blinders-bench.XXXXXX)
# nginx workers run as nobody: they must be able to reach the files.
chmod 755 "$dir"
trap 'rm -rf "$dir"' EXIT
case $what in
redis)
    port=16379
    redis-server --port $port --bind 127.0.0.1 --save '' --appendonly no --dir "$dir" \
        --logfile "$dir/redis.log" &
    for _ in $(seq 100); do [ "$(redis-cli -p $port ping 2>/dev/null)" = PONG ] && break; sleep 0.1; done
    redis-benchmark -p $port -q -n "$arg" -c 4 -t set,get --csv |
        awk -F, '/"SET"/ { gsub(/"/, "", $2); print "redis_set", $2 } /"GET"/ { gsub(/"/, "", $2); print "redis_get", $2 }'
    redis-cli -p $port shutdown nosave >/dev/null 2>&1 || true
    wait
    ;;
nginx)
    port=18080
    mkdir -p "$dir/html"
    head -c 4096 /dev/zero >"$dir/html/index.html"
    cat >"$dir/nginx.conf" <<CONF
daemon off; master_process on; worker_processes 2; pid $dir/nginx.pid; error_log $dir/error.log;
events { worker_connections 256; }
http { access_log off; client_body_temp_path $dir/body; proxy_temp_path $dir/proxy;
  fastcgi_temp_path $dir/fcgi; uwsgi_temp_path $dir/uwsgi; scgi_temp_path $dir/scgi;
  server { listen 127.0.0.1:$port; root $dir/html; } }
CONF
    nginx -c "$dir/nginx.conf" -e "$dir/error.log" &
    for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.1; done
    wrk -t 1 -c 4 -d "${arg}s" "http://127.0.0.1:$port/" | awk '/Requests\/sec/ { print "nginx", $2 }'
    nginx -c "$dir/nginx.conf" -e "$dir/error.log" -s quit
    wait
    ;;
*)
    echo "servers.sh: redis N | nginx SECS" >&2
    exit 2
    ;;
esac
