"""Only with `bench.py --tcp-nodelay-shim`: a stand-in for the fix services/server.py needs.

`serve --workers N` (N > 1) lets uvicorn bind the listening socket itself, as
socket.socket(AF_INET, SOCK_STREAM): its protocol number is 0, so asyncio's transports,
which set TCP_NODELAY only on sockets whose proto is IPPROTO_TCP, leave Nagle's algorithm
on. uvicorn writes a response's head and body separately; on a keep-alive connection the
body then waits for the client's delayed ACK: every answer after a connection's first
takes 40 ms more on Linux. This makes asyncio set TCP_NODELAY on every TCP stream socket,
which is what a fix in services/server.py would do for the server's connections.
"""

import asyncio.base_events
import socket


def _set_nodelay(sock: socket.socket) -> None:
    if sock.family in {socket.AF_INET, socket.AF_INET6} and sock.type == socket.SOCK_STREAM:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


asyncio.base_events._set_nodelay = _set_nodelay
