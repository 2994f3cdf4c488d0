//! Real servers inside one sandbox, on its own loopback (`--network=none`): Redis with
//! redis-cli and redis-benchmark, nginx (master and worker processes, signal-driven I/O on
//! its channels) with curl.

use blinders_tests::*;

#[test]
fn redis_server_with_cli_and_benchmark() {
    require_tool("/usr/bin/redis-server");
    require_tool("/usr/bin/redis-cli");
    require_tool("/usr/bin/redis-benchmark");
    let dir = TempDir::new("redis");
    let script = format!(
        "redis-server --port 6379 --bind 127.0.0.1 --save '' --appendonly no --dir {dir} \
             --logfile {dir}/redis.log &\n\
         for i in $(seq 100); do [ \"$(redis-cli ping 2>/dev/null)\" = PONG ] && break; sleep 0.1; done\n\
         redis-cli set greeting hello\n\
         redis-cli get greeting\n\
         redis-cli incrby counter 41; redis-cli incr counter\n\
         redis-cli rpush list a b c >/dev/null; redis-cli lrange list 0 -1\n\
         redis-cli dbsize\n\
         redis-benchmark -q -n 2000 -c 4 -t set,get --csv | cut -d, -f1\n\
         redis-cli shutdown nosave\n\
         wait\n\
         echo server exited $?\n",
        dir = dir.path().display()
    );
    let out = run_sandboxed(&["/bin/sh", "-c", &script], &RunOpts::new());
    out.assert_code(0);
    assert_eq!(
        out.stdout_str(),
        "OK\nhello\n41\n42\na\nb\nc\n3\n\"test\"\n\"SET\"\n\"GET\"\nserver exited 0\n",
        "{}",
        out.describe()
    );
}

#[test]
fn nginx_with_curl() {
    require_tool("/usr/sbin/nginx");
    require_tool("/usr/bin/curl");
    let dir = TempDir::new("nginx");
    let d = dir.path().display().to_string();
    std::fs::create_dir(dir.path().join("html")).expect("mkdir html");
    dir.write("html/index.html", "hello from nginx\n");
    dir.write(
        "nginx.conf",
        format!(
            "daemon off; master_process on; worker_processes 2; pid {d}/nginx.pid;\n\
             error_log {d}/error.log info;\n\
             events {{ worker_connections 64; }}\n\
             http {{ access_log {d}/access.log;\n\
               client_body_temp_path {d}/body; proxy_temp_path {d}/proxy;\n\
               fastcgi_temp_path {d}/fcgi; uwsgi_temp_path {d}/uwsgi; scgi_temp_path {d}/scgi;\n\
               server {{ listen 127.0.0.1:8080; root {d}/html; }} }}\n"
        ),
    );
    let script = format!(
        "nginx -c {d}/nginx.conf -e {d}/error.log &\n\
         for i in $(seq 100); do curl -s -o /dev/null http://127.0.0.1:8080/ && break; sleep 0.1; done\n\
         curl -s http://127.0.0.1:8080/\n\
         curl -s -o /dev/null -w '%{{http_code}}\\n' http://127.0.0.1:8080/missing\n\
         curl -s -o /dev/null -w '%{{size_download}}\\n' -H 'Connection: close' http://127.0.0.1:8080/index.html\n\
         nginx -c {d}/nginx.conf -e {d}/error.log -s quit\n\
         wait\n\
         echo master exited $?\n\
         grep -c 'GET /missing' {d}/access.log\n\
         grep -c 'signal process started' {d}/error.log\n\
         grep -c '\\[alert\\]' {d}/error.log\n"
    );
    let out = run_sandboxed(&["/bin/sh", "-c", &script], &RunOpts::new());
    assert_eq!(
        out.stdout_str(),
        "hello from nginx\n404\n17\nmaster exited 0\n1\n1\n0\n",
        "{}",
        out.describe()
    );
}
