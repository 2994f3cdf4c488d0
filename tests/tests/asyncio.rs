//! Python's asyncio over the sandbox's loopback: an echo server and client in one event loop
//! (epoll, non-blocking sockets, connect in progress), compared with a native run.

use blinders_tests::*;

#[test]
fn asyncio_echo_server_and_client() {
    let py = require_tool("/usr/bin/python3");
    let script = "import asyncio\n\
async def handle(r, w):\n    w.write(await r.readline()); await w.drain(); w.close()\n\
async def main():\n\
\x20   srv = await asyncio.start_server(handle, '127.0.0.1', 0)\n\
\x20   port = srv.sockets[0].getsockname()[1]\n\
\x20   for i in range(3):\n\
\x20       r, w = await asyncio.open_connection('127.0.0.1', port)\n\
\x20       w.write(b'echo %d\\n' % i); await w.drain()\n\
\x20       print((await r.readline()).decode().strip())\n\
\x20       w.close()\n\
\x20   srv.close(); await srv.wait_closed()\n\
asyncio.run(main())\n";
    let pair = assert_same(&[py, "-c", script]);
    pair.sandboxed.assert_code(0);
    assert_eq!(pair.sandboxed.stdout_str(), "echo 0\necho 1\necho 2\n");
}
