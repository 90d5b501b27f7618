"""A faithful fake Zalo (OA OpenAPI and OAuth v4) served over real HTTP on 127.0.0.1."""

from __future__ import annotations

import argparse
import secrets
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from flask import Flask, Response, jsonify, redirect, request

from bot.zalo.oauth import challenge_for
from tests.fakezalo.events import (  # re-exported: the webhook side of the fake
    APP_ID,
    OA_ID,
    OA_SECRET,
    chatnow_event,
    deliver,
    echo_event,
    follow_event,
    image_event,
    new_msg_id,
    new_user_id,
    received_event,
    seen_event,
    sign_event,
    submit_info_event,
    text_event,
)
from tests.fakezalo.http_server import FakeHttpServer
from tests.fakezalo.rules import (
    MESSAGES,
    PAGE_LIMIT,
    conversation,
    cs_problem,
    data_query,
    invalid,
    profile,
    quota,
    send_quota,
)

__all__ = [
    "APP_ID", "OA_ID", "OA_SECRET", "FakeZalo", "chatnow_event", "deliver", "echo_event",
    "follow_event", "image_event", "new_msg_id", "new_user_id", "received_event", "seen_event",
    "sign_event", "submit_info_event", "text_event",
]  # fmt: skip

CS_PATH = "/v3.0/oa/message/cs"
CODE_SECONDS = 600
UNDOCUMENTED = -14000  # the fake's own answer where Zalo's is not documented (bad secret, etc.)


def _raw_header(name: str) -> str | None:
    return request.environ.get("fake.raw_headers", {}).get(name)


def _error(code: int, message: str | None = None) -> Response:
    """Zalo answers application errors with HTTP 200 and a non-zero `error`."""
    return jsonify({"error": code, "message": message or MESSAGES.get(code, "Unknown error")})


def _invalid(field: str) -> Response:
    return _error(*invalid(field))


def _success(data: Any = None) -> Response:
    body: dict[str, Any] = {} if data is None else {"data": data}
    return jsonify({**body, "error": 0, "message": "Success"})


def _ms() -> str:
    return str(int(time.time() * 1000))


class FakeZalo:
    """OpenAPI and OAuth on one base URL; records what it received; faults on demand."""

    def __init__(
        self,
        app_id: str = APP_ID,
        app_secret: str = "fake-app-secret",
        access_token: str | None = None,
        refresh_token: str | None = None,
        *,
        oa_id: str = OA_ID,
        host: str = "127.0.0.1",
        port: int = 0,
    ):
        self.app_id, self.app_secret, self.oa_id = app_id, app_secret, oa_id
        self.access_token = access_token or secrets.token_urlsafe(24)
        self.refresh_token = refresh_token or secrets.token_urlsafe(24)
        self.host, self.port = host, port
        self.window_closed: set[str] = set()
        self.non_followers: set[str] = set()
        self.profiles: dict[str, dict[str, Any]] = {}
        self.reject_buttons = False
        self.latency = 0.0
        self.drop_seconds = 5.0
        self._lock = threading.RLock()
        self._wake = threading.Event()
        self._server: FakeHttpServer | None = None
        self._thread: threading.Thread | None = None
        self.reset()
        self.app = self._build_app()

    # --- lifecycle ------------------------------------------------------------------------

    def start(self) -> FakeZalo:
        self._wake.clear()
        self._server = FakeHttpServer(self.host, self.port, self.app)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._wake.set()  # release requests hanging in drop_next/latency
        if self._server is not None:
            self._server.close()
        if self._thread is not None:
            self._thread.join(5)

    def __enter__(self) -> FakeZalo:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    # --- control and records -----------------------------------------------------------------

    def reset(self) -> None:
        """Forget records, faults, codes and the expiry flag; tokens and user sets stay."""
        with self._lock:
            self.sent: list[dict[str, Any]] = []
            self.templates_sent: list[dict[str, Any]] = []
            self.tags: list[tuple[str, str]] = []
            self.requests: list[dict[str, Any]] = []
            self.refresh_calls = 0
            self.access_expired = False
            self._faults: list[list[Any]] = []  # [kind, value, times left]
            self._codes: dict[str, dict[str, Any]] = {}

    def fail_next(self, code: int, times: int = 1, message: str | None = None) -> None:
        """The next `times` OpenAPI calls answer HTTP 200 with error `code`."""
        with self._lock:
            self._faults.append(["error", (code, message), times])

    def http_error_next(self, status: int = 503, times: int = 1) -> None:
        with self._lock:
            self._faults.append(["http", status, times])

    def drop_next(self, times: int = 1) -> None:
        """The next `times` OpenAPI calls hang for `drop_seconds`, past any sane client timeout."""
        with self._lock:
            self._faults.append(["drop", None, times])

    def expire_access_token(self) -> None:
        with self._lock:
            self.access_expired = True

    def texts_to(self, user_id: str) -> list[str]:
        with self._lock:
            return [m["text"] for m in self.sent if m["user_id"] == user_id]

    def sent_attempts(self) -> list[dict[str, Any]]:
        """Every consultation-message call, delivered or refused: user_id, text, error."""
        with self._lock:
            calls = [r for r in self.requests if r["path"] == CS_PATH]
        return [
            {
                "user_id": _field(call["json"], "recipient", "user_id"),
                "text": _field(call["json"], "message", "text"),
                "error": call.get("error"),
            }
            for call in calls
        ]

    # --- the Flask app -----------------------------------------------------------------------

    def _build_app(self) -> Flask:
        app = Flask("fake_zalo")
        api: list[tuple[str, str, Callable[[], Any]]] = [
            (CS_PATH, "POST", self._cs),
            ("/v3.0/oa/message/template", "POST", self._template),
            ("/v3.0/oa/user/detail", "GET", self._detail),
            ("/v2.0/oa/tag/tagfollower", "POST", self._tag),
            ("/v3.0/oa/quota/message", "POST", self._quota),
            ("/v2.0/oa/conversation", "GET", self._conversation),
            ("/v2.0/oa/getoa", "GET", self._oa_info),
        ]
        for path, method, view in api:
            app.add_url_rule(path, view.__name__, self._openapi(view), methods=[method])
        app.add_url_rule(
            "/v4/oa/access_token", "token", self._logged(self._token), methods=["POST"]
        )
        app.add_url_rule("/v4/oa/permission", "permission", self._logged(self._permission))
        app.add_url_rule("/_fake/state", "state", self._state)
        app.add_url_rule("/_fake/reset", "reset", self._reset_view, methods=["POST"])
        return app

    def _logged(self, view: Callable[[], Any]) -> Callable[[], Any]:
        def wrapped() -> Any:
            if self.latency:
                self._wake.wait(self.latency)
            entry = {
                "method": request.method,
                "path": request.path,
                "headers": dict(request.environ.get("fake.raw_headers", {})),
                "args": request.args.to_dict(),
                "json": request.get_json(silent=True),
                "form": request.form.to_dict(),
            }
            with self._lock:
                self.requests.append(entry)
            answer = view()
            entry["error"] = _error_code(answer)
            return answer

        wrapped.__name__ = view.__name__
        return wrapped

    def _openapi(self, view: Callable[[], Any]) -> Callable[[], Any]:
        """Faults first, then the bare `access_token` header, then the endpoint itself."""

        def guarded() -> Any:
            fault = self._take_fault()
            if fault is not None:
                return fault
            token = _raw_header("access_token")
            with self._lock:
                if not token or token != self.access_token:
                    return _error(-216)
                if self.access_expired:
                    return _error(-220)
            return view()

        return self._logged(guarded)

    def _take_fault(self) -> Response | tuple[str, int] | None:
        with self._lock:
            if not self._faults:
                return None
            fault = self._faults[0]
            fault[2] -= 1
            if fault[2] <= 0:
                self._faults.pop(0)
        kind, value = fault[0], fault[1]
        if kind == "http":
            return "Service Unavailable", int(value)
        if kind == "drop":
            self._wake.wait(self.drop_seconds)
            return _error(-200)
        return _error(*value)

    # --- OpenAPI endpoints -------------------------------------------------------------------

    def _cs(self) -> Response:
        body = request.get_json(silent=True)
        problem = cs_problem(body, self.reject_buttons)
        if problem or not isinstance(body, dict):
            return _error(*(problem or invalid("body")))
        user_id, message = body["recipient"]["user_id"], body["message"]
        if user_id in self.window_closed:
            return _error(-230)
        attachment = message.get("attachment") or {}
        record = {
            "user_id": user_id,
            "text": message.get("text", ""),
            "buttons": (attachment.get("payload") or {}).get("buttons"),
            "attachment": attachment or None,
            "quote_message_id": message.get("quote_message_id"),
            "body": body,
        }
        return self._delivered(self.sent, record, user_id)

    def _template(self) -> Response:
        body = request.get_json(silent=True)
        if not isinstance(body, dict) or not isinstance(body.get("user_id"), str):
            return _invalid("user_id")
        if not isinstance(body.get("template_id"), str) or not body["template_id"]:
            return _invalid("template_id")
        if not isinstance(body.get("template_data"), dict):
            return _invalid("template_data")
        record = {"user_id": body["user_id"], "template_id": body["template_id"], "body": body}
        return self._delivered(self.templates_sent, record, body["user_id"])

    def _delivered(self, log: list[dict[str, Any]], record: dict[str, Any], user_id: str) -> Any:
        """Record a send and answer like §4.3."""
        with self._lock:
            record.update(message_id=secrets.token_hex(10), sent_time=_ms())
            log.append(record)
            used = sum(1 for m in self.sent if m["user_id"] == user_id)
        data = {k: record[k] for k in ("message_id", "sent_time")}
        data.update(user_id=user_id, quota=send_quota(used))
        return _success(data)

    def _detail(self) -> Response:
        query = data_query(request.args.get("data"))
        if not query or not query.get("user_id"):
            return _invalid("data")
        user_id = str(query["user_id"])
        if user_id in self.non_followers:
            return _error(-213)
        with self._lock:
            tags = [t for u, t in self.tags if u == user_id]
        return _success(profile(user_id, tags, self.profiles.get(user_id, {})))

    def _tag(self) -> Response:
        body = request.get_json(silent=True) or {}
        user_id, tag = body.get("user_id"), body.get("tag_name")
        if not isinstance(user_id, str | int) or not user_id:
            return _invalid("user_id")
        if not isinstance(tag, str) or not tag:
            return _invalid("tag_name")
        with self._lock:
            self.tags.append((str(user_id), tag))
        return _success()

    def _quota(self) -> Response:
        body = request.get_json(silent=True) or {}
        user_id = body.get("user_id")
        if not isinstance(user_id, str) or not user_id:
            return _invalid("user_id")
        with self._lock:
            used = sum(1 for m in self.sent if m["user_id"] == user_id)
        return _success(quota(used, _ms()))

    def _conversation(self) -> Response:
        """The OA's side of one conversation (this fake knows only what it sent)."""
        query = data_query(request.args.get("data")) or {}
        try:
            user_id, offset, count = (
                str(query["user_id"]),
                int(query["offset"]),
                int(query["count"]),
            )
        except (ValueError, KeyError, TypeError):
            return _invalid("data")
        if not 0 < count <= PAGE_LIMIT or offset < 0:
            return _invalid("count")
        with self._lock:
            items = conversation(self.sent, self.oa_id, user_id)
        return _success(items[offset : offset + count])

    def _oa_info(self) -> Response:
        # Field names per §8: `oa_id` (one source) or `oaid` (others); the fake sends `oa_id`.
        return _success({"oa_id": self.oa_id, "name": "Fake OA", "oa_type": 4})

    # --- OAuth v4 ----------------------------------------------------------------------------

    def _permission(self) -> Any:
        args = request.args
        if args.get("app_id") != self.app_id:
            return jsonify({"error": -14002, "error_name": "Invalid appId"})
        uri = args.get("redirect_uri", "")
        if not uri.startswith(("http://", "https://")):
            return jsonify({"error": -14003, "error_name": "Invalid redirect uri"})
        code = secrets.token_urlsafe(32)
        with self._lock:
            self._codes[code] = {
                "challenge": args.get("code_challenge", ""),
                "expires": time.time() + CODE_SECONDS,
            }
        query = urlencode({"code": code, "oa_id": self.oa_id, "state": args.get("state", "")})
        return redirect(uri + ("&" if "?" in uri else "?") + query, code=302)

    def _token(self) -> Response:
        form = request.form
        if request.mimetype != "application/x-www-form-urlencoded":
            return _oauth_error(UNDOCUMENTED, "Request must be form-encoded")
        if _raw_header("secret_key") != self.app_secret:
            return _oauth_error(UNDOCUMENTED, "Invalid secret key")
        if form.get("app_id") != self.app_id:
            return _oauth_error(-14002, "Invalid appId")
        grant = form.get("grant_type")
        if grant == "refresh_token":
            return self._grant_refresh(form.get("refresh_token", ""))
        if grant == "authorization_code":
            return self._grant_code(form.get("code", ""), form.get("code_verifier", ""))
        return _oauth_error(UNDOCUMENTED, "Invalid grant_type")

    def _grant_refresh(self, refresh_token: str) -> Response:
        with self._lock:
            self.refresh_calls += 1
            if not refresh_token or refresh_token != self.refresh_token:
                return _oauth_error(-14014, "Invalid refresh token")
            return self._issue()

    def _grant_code(self, code: str, verifier: str) -> Response:
        with self._lock:
            grant = self._codes.pop(code, None)  # single use, even when it fails
            if grant is None:
                return _oauth_error(-14005, "Invalid authorization code")
            if grant["expires"] < time.time():
                return _oauth_error(-14019, "Authorization code expired")
            if challenge_for(verifier) != grant["challenge"]:
                return _oauth_error(-14005, "Invalid code verifier")
            return self._issue()

    def _issue(self) -> Response:
        """Rotate both tokens; the previous access token stops working at once."""
        self.access_token = secrets.token_urlsafe(24)
        self.refresh_token = secrets.token_urlsafe(24)
        self.access_expired = False
        return jsonify(
            {
                "access_token": self.access_token,
                "refresh_token": self.refresh_token,
                "expires_in": "90000",
            }
        )

    # --- development views -------------------------------------------------------------------

    def _state(self) -> Response:
        with self._lock:
            return jsonify(
                {
                    "sent": len(self.sent),
                    "templates_sent": len(self.templates_sent),
                    "refresh_calls": self.refresh_calls,
                    "last": self.sent[-20:],
                }
            )

    def _reset_view(self) -> Response:
        self.reset()
        return jsonify({"ok": True})


def _field(body: Any, outer: str, inner: str) -> Any:
    part = body.get(outer) if isinstance(body, dict) else None
    return part.get(inner) if isinstance(part, dict) else None


def _error_code(answer: Any) -> int:
    """The `error` a view answered (HTTP status for non-JSON answers), for the request log."""
    if isinstance(answer, tuple):
        return int(answer[1])
    body = answer.get_json(silent=True) if isinstance(answer, Response) else None
    return int(body.get("error", 0)) if isinstance(body, dict) else 0


def _oauth_error(code: int, name: str) -> Response:
    return jsonify({"error": code, "error_name": name})


def main(argv: list[str] | None = None) -> None:
    """Serve the fake until interrupted: `python -m tests.fakezalo.server --port 8900`."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--app-id", default=APP_ID)
    parser.add_argument("--app-secret", default="fake-app-secret")
    parser.add_argument("--access-token", default=None)
    parser.add_argument("--refresh-token", default=None)
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added to each call")
    args = parser.parse_args(argv)
    fake = FakeZalo(
        args.app_id, args.app_secret, args.access_token, args.refresh_token,
        host=args.host, port=args.port,
    )  # fmt: skip
    fake.latency = args.latency
    fake.start()
    print(f"fake Zalo at {fake.url}  (ZALO_API_BASE and ZALO_OAUTH_BASE)", flush=True)
    print(f"ZALO_APP_ID={fake.app_id} ZALO_APP_SECRET={fake.app_secret}", flush=True)
    print(f"ZALO_ACCESS_TOKEN={fake.access_token} ZALO_REFRESH_TOKEN={fake.refresh_token}")
    try:
        while fake._thread is not None and fake._thread.is_alive():
            fake._thread.join(1.0)
    except KeyboardInterrupt:
        pass
    finally:
        fake.stop()


if __name__ == "__main__":
    main()
