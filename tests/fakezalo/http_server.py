"""The fake Zalo's HTTP/1.1 server: persistent connections, as the real API's edge keeps them.

werkzeug's development server closes every connection after one response, so each call would
pay a new TCP connection and a new server thread that a client talking to the real API (one
`requests.Session`, connections kept alive) never pays. This server keeps a connection open
for further requests and hands each request to the WSGI app, with the raw headers kept (the
fake must see `access_token` and `secret_key`, whose underscores WSGI servers drop).
"""

from __future__ import annotations

import contextlib
import io
import socket
import sys
import threading
from collections.abc import Callable, Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote_to_bytes

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
IDLE_SECONDS = 30.0  # an idle kept-alive connection is closed after this
HOP_BY_HOP = frozenset({"connection", "content-length", "keep-alive", "transfer-encoding"})


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = IDLE_SECONDS
    disable_nagle_algorithm = True  # headers and body leave at once, not after a delayed ACK
    server: FakeHttpServer

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        started: list[Any] = []

        def start_response(status: str, headers: list[tuple[str, str]], exc: Any = None) -> Any:
            started[:] = [status, headers]
            return lambda data: None  # the legacy write() callable; the fake never uses it

        chunks = self.server.app(self._environ(body), start_response)
        try:
            data = b"".join(chunks)
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()
        status, headers = started
        code, _, reason = status.partition(" ")
        self.send_response(int(code), reason)
        for name, value in headers:
            if name.lower() not in HOP_BY_HOP:
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _environ(self, body: bytes) -> dict[str, Any]:
        path, _, query = self.path.partition("?")
        host, port = self.server.server_address[:2]
        environ: dict[str, Any] = {
            "REQUEST_METHOD": self.command,
            "SCRIPT_NAME": "",
            "PATH_INFO": unquote_to_bytes(path).decode("latin-1"),
            "QUERY_STRING": query,
            "SERVER_NAME": str(host),
            "SERVER_PORT": str(port),
            "SERVER_PROTOCOL": self.request_version,
            "REMOTE_ADDR": self.client_address[0],
            "CONTENT_LENGTH": str(len(body)),
            "CONTENT_TYPE": self.headers.get("Content-Type", ""),
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": True,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
            "fake.raw_headers": {k.lower(): v for k, v in self.headers.items()},
        }
        for name, value in self.headers.items():
            key = "HTTP_" + name.upper().replace("-", "_")
            if key not in {"HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH"}:
                environ[key] = f"{environ[key]},{value}" if key in environ else value
        return environ

    def log_message(self, format: str, *args: Any) -> None:
        pass  # tests make thousands of calls; keep the output readable


class FakeHttpServer(ThreadingHTTPServer):
    """A thread per connection; `close()` also ends the connections clients keep open."""

    daemon_threads = True

    def __init__(self, host: str, port: int, app: WsgiApp):
        self.app = app
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        self.connections = 0  # accepted so far: a client that keeps connections alive opens few
        super().__init__((host, port), _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._open_lock:
            self._open.add(request)
            self.connections += 1
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], OSError):
            return  # the client went away (a timed-out call, a stopped worker): nothing to report
        super().handle_error(request, client_address)

    def close(self) -> None:
        """Stop accepting, then close every connection still open."""
        self.shutdown()
        self.server_close()
        with self._open_lock:
            still_open, self._open = list(self._open), set()
        for conn in still_open:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
