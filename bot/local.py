"""`make run`: embedded Redis, one worker and the web app on PORT, in one command."""

from __future__ import annotations

import logging
import subprocess
import sys

from bot import logs
from bot.config import child_environment, load_settings
from bot.store.client import EmbeddedRedis

log = logging.getLogger("bot.local")


def main() -> int:
    settings = load_settings()
    logs.configure(settings.log_level)
    embedded = None if settings.redis_url else EmbeddedRedis(settings.instance_dir)
    url = settings.redis_url or embedded.ensure_running()  # type: ignore[union-attr]
    env = child_environment({"REDIS_URL": url})
    worker = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "app", "worker", "--name", "local-worker"], env=env
    )
    try:
        from app import create_app

        app = create_app({"REDIS_URL": url})
        log.info(
            "bot running",
            extra={
                "sandbox": f"http://127.0.0.1:{settings.port}/sandbox",
                "health": f"http://127.0.0.1:{settings.port}/healthz",
                "mode": "local (nothing is sent to Zalo)" if settings.local_mode else "zalo",
            },
        )
        app.run(host="127.0.0.1", port=settings.port, threaded=True, use_reloader=False)
    finally:
        worker.terminate()
        try:
            worker.wait(10)
        except subprocess.TimeoutExpired:
            worker.kill()
        if embedded is not None:
            embedded.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
