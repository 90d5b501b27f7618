"""gunicorn settings for the web: `gunicorn -c deploy/gunicorn.conf.py 'app:create_app()'`."""

# Settings come from bot.config like everywhere else (the environment, then .env); this file only
# turns them into gunicorn's names. Command-line flags still win over anything set here.

from __future__ import annotations

import gc
import json
import multiprocessing
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

from gunicorn.glogging import Logger

from bot.config import load_settings

_settings = load_settings()
# Forget the modules imported here: workers forked after a reload (SIGHUP, `systemctl reload`)
# must import the new code from disk, not inherit the master's copy of bot.config.
for _name in [m for m in sys.modules if m == "bot" or m.startswith("bot.")]:
    del sys.modules[_name]

bind = [f"{_settings.web_host}:{_settings.port}"]

# Worker model, measured with `python -m bench.webhook --matrix --repeat 3` on the 2-core build
# machine: signed user_send_text events, throwaway Redis on loopback, wrk with 16 connections,
# median of 3 interleaved 8-s runs. The machine was shared (load average 3-11), so compare rows
# within a run, not across runs or machines. Acks/s (p99 ms) in two such runs:
#   model          run A         run B
#   sync ×2        939 (37)      593 (259)
#   sync ×4        424 (53)      722 (161)
#   sync ×8        448 (57)      638 (314)
#   gthread 2×4  1,028 (38)      738 (225)
#   gthread 2×8    741 (59)      823 (90)
#   gthread 4×2    850 (92)      883 (141)
# gthread matched or beat sync in both runs; between thread counts the differences are within
# the noise, so the smallest setting that led a run is kept: one process per core, 4 threads.
# An acknowledgement is a few short Redis round trips: processes beyond one per core only add
# context switches, while a few threads per process overlap those round trips (more so when Redis
# is on another machine) and keep a slow console page from holding up Zalo's events.
worker_class = "gthread"
threads = 4
workers = _settings.web_concurrency or max(2, multiprocessing.cpu_count())

# Zalo wants 200 within 2 s; an answer after 10 s is worthless. With threads, `timeout` only
# restarts a worker whose main loop stops responding; the per-request limit is nginx's
# proxy_read_timeout (10 s).
timeout = 10
graceful_timeout = 20  # systemd's TimeoutStopSec (30 s) leaves room for this
keepalive = 5  # seconds an idle connection from nginx stays open (nginx keeps a few warm)

# Recycle workers now and then so a slow leak cannot grow without bound; jitter keeps them from
# restarting all at once.
max_requests = 20000
max_requests_jitter = 2000

# Only nginx on this host may set X-Forwarded-Proto/For (the Docker setup widens this by env).
forwarded_allow_ips = _settings.forwarded_allow_ips

# The default control socket lives under $HOME, which the systemd unit makes read-only.
control_socket_disable = True
# The heartbeat file on tmpfs, so a slow disk cannot make the arbiter think a worker hung.
worker_tmp_dir = "/dev/shm" if Path("/dev/shm").is_dir() else None

limit_request_line = 4094
limit_request_fields = 50
limit_request_field_size = 8190

accesslog = "-"
errorlog = "-"
loglevel = "warning" if _settings.log_level.upper() in {"WARNING", "ERROR"} else "info"
proc_name = "nd-bot-web"


class JsonAccessLogger(Logger):
    """One JSON object per request: no query string (OAuth codes travel there), no bodies."""

    def access(self, resp: Any, req: Any, environ: dict[str, Any], request_time: timedelta) -> None:
        if not self.access_log_enabled:
            return
        status = resp.status.split(None, 1)[0] if isinstance(resp.status, str) else resp.status
        headers = {k.lower(): v for k, v in getattr(req, "headers", [])}
        record = {
            "ts": self.now(),
            "level": "info",
            "logger": "gunicorn.access",
            "method": environ.get("REQUEST_METHOD"),
            "path": environ.get("PATH_INFO"),
            "status": int(status),
            "bytes": getattr(resp, "sent", None),
            "duration_ms": round(request_time.total_seconds() * 1000, 1),
            "client": headers.get("x-real-ip") or environ.get("REMOTE_ADDR"),
            "request_id": headers.get("x-request-id"),
        }
        self.access_log.info(json.dumps({k: v for k, v in record.items() if v is not None}))

    def now(self) -> str:
        from datetime import UTC, datetime

        return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


logger_class = JsonAccessLogger


def post_worker_init(worker: Any) -> None:
    """The app is loaded: move what it built into the collector's permanent generation.

    A full collection otherwise walks every object the app holds (about 17 ms on the 2-core
    build machine) while the request threads wait; after this it walks only what requests make.
    """
    gc.collect()
    gc.freeze()
