"""The development server `make run` uses, on a socket bound before anything else started."""

from __future__ import annotations

import socket

from flask import Flask
from werkzeug.serving import make_server


def serve(app: Flask, sock: socket.socket) -> None:
    """Serve `app` on the already listening `sock` until KeyboardInterrupt."""
    host, port = sock.getsockname()[:2]
    server = make_server(host, port, app, threaded=True, fd=sock.fileno())
    server.serve_forever()
