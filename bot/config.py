"""Settings from the environment: the only module that reads os.environ."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.errors import ConfigError

SECRET_NAMES = frozenset(
    {
        "ZALO_APP_SECRET",
        "ZALO_OA_SECRET_KEY",
        "ZALO_ACCESS_TOKEN",
        "ZALO_REFRESH_TOKEN",
        "SECRET_KEY",
        "ADMIN_API_TOKENS",
        "REDIS_URL",
    }
)


def mask(value: str) -> str:
    """Show a secret's length and last two characters only."""
    if not value:
        return ""
    return f"***{value[-2:]} ({len(value)} chars)" if len(value) > 6 else "***"


def _text(v: str) -> str:
    return v.strip()


def _int(v: str) -> int:
    return int(v.strip())


def _float(v: str) -> float:
    return float(v.strip())


def _bool(v: str) -> bool:
    s = v.strip().lower()
    if s in {"1", "true", "yes", "on"}:
        return True
    if s in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError("expected true/false")


def _auto_bool(v: str) -> bool | None:
    """true/false, or None for "auto" (decided from other settings)."""
    return None if v.strip().lower() in {"auto", ""} else _bool(v)


TEMPLATE_SOURCES = ("text", "message", "topic", "topic_name", "districts", "send_date", "id")


def _template_params(v: str) -> tuple[tuple[str, str], ...]:
    """'param=source,...': which broadcast field fills each template parameter."""
    pairs = []
    for item in filter(None, (x.strip() for x in v.split(","))):
        param, _, source = (x.strip() for x in item.partition("="))
        if not param or source not in TEMPLATE_SOURCES:
            raise ValueError(f"expected param=source with source in {', '.join(TEMPLATE_SOURCES)}")
        pairs.append((param, source))
    return tuple(pairs)


def _hours(v: str) -> tuple[int, int] | None:
    """Parse 'HH:MM-HH:MM' into minutes since midnight; empty means none."""
    s = v.strip()
    if not s:
        return None
    start, _, end = s.partition("-")

    def minutes(part: str) -> int:
        hh, _, mm = part.strip().partition(":")
        h, m = int(hh), int(mm or "0")
        if not (0 <= h < 24 and 0 <= m < 60):
            raise ValueError("hour out of range")
        return h * 60 + m

    if not end:
        raise ValueError("expected HH:MM-HH:MM")
    return minutes(start), minutes(end)


@dataclass(frozen=True)
class Option:
    env: str
    default: str
    parse: Callable[[str], Any] = _text
    doc: str = ""


OPTIONS: dict[str, Option] = {
    "redis_url": Option("REDIS_URL", "", doc="Redis URL; unset starts an embedded server"),
    "redis_key_prefix": Option("REDIS_KEY_PREFIX", "nd:", doc="prefix of every Redis key"),
    "instance_path": Option("INSTANCE_PATH", "instance", doc="folder for local data"),
    "zalo_app_id": Option("ZALO_APP_ID", "", doc="Zalo app id"),
    "zalo_app_secret": Option("ZALO_APP_SECRET", "", doc="app Secret Key (OAuth header)"),
    "zalo_oa_secret_key": Option("ZALO_OA_SECRET_KEY", "", doc="OA Secret Key (webhook MAC)"),
    "zalo_oa_id": Option("ZALO_OA_ID", "", doc="Official Account id"),
    "zalo_access_token": Option("ZALO_ACCESS_TOKEN", "", doc="seed access token"),
    "zalo_refresh_token": Option("ZALO_REFRESH_TOKEN", "", doc="seed refresh token"),
    "zalo_api_base": Option("ZALO_API_BASE", "https://openapi.zalo.me"),
    "zalo_oauth_base": Option("ZALO_OAUTH_BASE", "https://oauth.zaloapp.com"),
    "zalo_oauth_redirect_uri": Option("ZALO_OAUTH_REDIRECT_URI", "", doc="OAuth callback URL"),
    "zalo_site_verification": Option("ZALO_SITE_VERIFICATION", "", doc="domain meta tag"),
    "zalo_buttons": Option("ZALO_BUTTONS", "true", _bool, "send button templates"),
    "zalo_proxy": Option("ZALO_PROXY", "", doc="HTTP(S) proxy for calls to Zalo, if any"),
    "zalo_timeout_seconds": Option("ZALO_TIMEOUT_SECONDS", "5", _float),
    "zalo_send_rate": Option("ZALO_SEND_RATE", "40", _float, "sends per second, all workers"),
    "faq_path": Option("FAQ_PATH", "faq.yaml"),
    "hotlines_path": Option("HOTLINES_PATH", "hotlines.yaml"),
    "bot_timezone": Option("BOT_TIMEZONE", "Asia/Ho_Chi_Minh"),
    "broadcast_quiet_hours": Option("BROADCAST_QUIET_HOURS", "21:00-07:00", _hours),
    "broadcast_four_eyes": Option("BROADCAST_FOUR_EYES", "true", _bool),
    "broadcast_daily_cap": Option("BROADCAST_DAILY_CAP", "2", _int),
    "broadcast_template_id": Option("BROADCAST_TEMPLATE_ID", "", doc="approved ZBS template"),
    "broadcast_template_params": Option(
        "BROADCAST_TEMPLATE_PARAMS", "", _template_params, "template param=source,..."
    ),
    "subscriptions_path": Option("SUBSCRIPTIONS_PATH", "subscriptions.yaml"),
    "broadcast_concurrency": Option(
        "BROADCAST_CONCURRENCY", "4", _int, "Zalo calls in flight at once per broadcast"
    ),
    "webhook_max_bytes": Option("WEBHOOK_MAX_BYTES", str(1024 * 1024), _int),
    "admin_pause_minutes": Option("ADMIN_PAUSE_MINUTES", "30", _int),
    "handoff_pause_minutes": Option("HANDOFF_PAUSE_MINUTES", "240", _int),
    "flood_limit_per_minute": Option("FLOOD_LIMIT_PER_MINUTE", "20", _int),
    "inbound_maxlen": Option("INBOUND_MAXLEN", "100000", _int),
    "worker_lease_seconds": Option("WORKER_LEASE_SECONDS", "10", _float, "partition lease"),
    "inbound_partitions": Option("INBOUND_PARTITIONS", "12", _int, "ordered inbound shards"),
    "secret_key": Option("SECRET_KEY", "", doc="Flask session key"),
    "admin_api_tokens": Option("ADMIN_API_TOKENS", "", doc="name:role:token,..."),
    "admin_cookie_secure": Option(
        "ADMIN_COOKIE_SECURE", "auto", _auto_bool, "console cookie over https only; auto: not local"
    ),
    "audit_retention_days": Option(
        "AUDIT_RETENTION_DAYS", "400", _int, "days the audit trail keeps entries (365 or more)"
    ),
    "log_level": Option("LOG_LEVEL", "INFO"),
    "port": Option("PORT", "5000", _int),
    "web_host": Option("WEB_HOST", "127.0.0.1", doc="gunicorn bind address; 0.0.0.0 in Docker"),
    "web_concurrency": Option("WEB_CONCURRENCY", "0", _int, "gunicorn workers; 0 = one per CPU"),
    "forwarded_allow_ips": Option(
        "FORWARDED_ALLOW_IPS", "127.0.0.1,::1", doc="proxies whose X-Forwarded-* gunicorn trusts"
    ),
}


@dataclass(frozen=True)
class Settings:
    redis_url: str = ""
    redis_key_prefix: str = "nd:"
    instance_path: str = "instance"
    zalo_app_id: str = ""
    zalo_app_secret: str = ""
    zalo_oa_secret_key: str = ""
    zalo_oa_id: str = ""
    zalo_access_token: str = ""
    zalo_refresh_token: str = ""
    zalo_api_base: str = "https://openapi.zalo.me"
    zalo_oauth_base: str = "https://oauth.zaloapp.com"
    zalo_oauth_redirect_uri: str = ""
    zalo_site_verification: str = ""
    zalo_buttons: bool = True
    zalo_proxy: str = ""
    zalo_timeout_seconds: float = 5.0
    zalo_send_rate: float = 40.0
    faq_path: str = "faq.yaml"
    hotlines_path: str = "hotlines.yaml"
    bot_timezone: str = "Asia/Ho_Chi_Minh"
    broadcast_quiet_hours: tuple[int, int] | None = (21 * 60, 7 * 60)
    broadcast_four_eyes: bool = True
    broadcast_daily_cap: int = 2
    broadcast_template_id: str = ""
    broadcast_template_params: tuple[tuple[str, str], ...] = ()
    subscriptions_path: str = "subscriptions.yaml"
    broadcast_concurrency: int = 4
    webhook_max_bytes: int = 1024 * 1024
    admin_pause_minutes: int = 30
    handoff_pause_minutes: int = 240
    flood_limit_per_minute: int = 20
    inbound_maxlen: int = 100_000
    inbound_partitions: int = 12  # 2, 3, 4 or 6 workers get equal shares
    worker_lease_seconds: float = 10.0
    secret_key: str = ""
    admin_api_tokens: str = ""
    admin_cookie_secure: bool | None = None
    audit_retention_days: int = 400
    log_level: str = "INFO"
    port: int = 5000
    web_host: str = "127.0.0.1"
    web_concurrency: int = 0
    forwarded_allow_ips: str = "127.0.0.1,::1"
    extra: Mapping[str, str] = field(default_factory=dict)

    @property
    def local_mode(self) -> bool:
        """No Zalo credentials: replies go to the sandbox, nothing to Zalo."""
        return not (self.zalo_app_id and (self.zalo_access_token or self.zalo_refresh_token))

    @property
    def console_cookie_secure(self) -> bool:
        """Send the console's session cookie over https only (auto: unless local mode)."""
        if self.admin_cookie_secure is None:
            return not self.local_mode
        return self.admin_cookie_secure

    @property
    def webhook_verifying(self) -> bool:
        return bool(self.zalo_oa_secret_key)

    @property
    def timezone(self) -> ZoneInfo:
        return ZoneInfo(self.bot_timezone)

    @property
    def instance_dir(self) -> Path:
        return Path(self.instance_path)

    def describe(self) -> dict[str, str]:
        """Every setting as shown to an operator, secrets masked."""
        out: dict[str, str] = {}
        for name, opt in OPTIONS.items():
            value = getattr(self, name)
            text = "" if value is None else str(value)
            out[opt.env] = mask(text) if opt.env in SECRET_NAMES else text
        return out


def load_dotenv_file(path: str | os.PathLike[str] = ".env") -> dict[str, str]:
    """Read a .env file without touching os.environ."""
    from dotenv import dotenv_values

    if not Path(path).is_file():
        return {}
    return {k: v for k, v in dotenv_values(path).items() if v is not None}


def settings_from(env: Mapping[str, str]) -> Settings:
    """Build Settings from a mapping, listing every problem at once."""
    values: dict[str, Any] = {}
    problems: list[str] = []
    for name, opt in OPTIONS.items():
        raw = env.get(opt.env, opt.default)
        try:
            values[name] = opt.parse(str(raw))
        except (ValueError, TypeError) as exc:
            shown = mask(str(raw)) if opt.env in SECRET_NAMES else repr(raw)
            problems.append(f"{opt.env}={shown}: {exc}")
    problems += _cross_checks(values)
    if problems:
        raise ConfigError(problems)
    known = {o.env for o in OPTIONS.values()}
    values["extra"] = {k: str(v) for k, v in env.items() if k.startswith("BOT_") and k not in known}
    return Settings(**values)


def _cross_checks(v: Mapping[str, Any]) -> list[str]:
    problems = []
    try:
        ZoneInfo(str(v.get("bot_timezone", "")))
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(f"BOT_TIMEZONE={v.get('bot_timezone')!r}: unknown time zone")
    for key in ("zalo_api_base", "zalo_oauth_base"):
        url = str(v.get(key, ""))
        if not url.startswith(("http://", "https://")):
            problems.append(f"{OPTIONS[key].env}={url!r}: must start with http:// or https://")
    positive = ("webhook_max_bytes", "flood_limit_per_minute", "inbound_maxlen", "port",
                "broadcast_concurrency")  # fmt: skip
    for key in (*positive, "inbound_partitions"):
        if key in v and v[key] <= 0:
            problems.append(f"{OPTIONS[key].env} must be positive")
    if "audit_retention_days" in v and v["audit_retention_days"] < 365:
        problems.append("AUDIT_RETENTION_DAYS must be at least 365 (a year)")
    if "zalo_send_rate" in v and v["zalo_send_rate"] <= 0:
        problems.append("ZALO_SEND_RATE must be positive")
    return problems + _zalo_checks(v)


# Any of these set means a real Official Account is meant: then the bot needs all it takes to
# talk to Zalo, or it would half-work (local mode by mistake, or Zalo mode that cannot refresh).
ZALO_SETTINGS = ("zalo_app_id", "zalo_app_secret", "zalo_oa_secret_key", "zalo_access_token",
                 "zalo_refresh_token")  # fmt: skip


def _zalo_checks(v: Mapping[str, Any]) -> list[str]:
    """What is missing when Zalo settings are given in part; nothing for none or all.

    ZALO_OA_SECRET_KEY may follow later: Zalo shows it only once the webhook URL is saved, and
    until then the webhook answers 200 and processes nothing (the contract of the first setup).
    """
    given = [OPTIONS[k].env for k in ZALO_SETTINGS if v.get(k)]
    if not given:
        return []
    missing = [OPTIONS[k].env for k in ("zalo_app_id", "zalo_app_secret") if not v.get(k)]
    if not (v.get("zalo_access_token") or v.get("zalo_refresh_token")):
        missing.append("ZALO_REFRESH_TOKEN (and ZALO_ACCESS_TOKEN, if you have one)")
    if not missing:
        return []
    return [f"{name} is missing" for name in missing] + [
        f"(Zalo settings are given: {', '.join(given)}. Set the missing ones to talk to Zalo, "
        "or unset every ZALO_ variable to run in local mode.)"
    ]


def load_settings(overrides: Mapping[str, Any] | None = None) -> Settings:
    """Settings from .env, then the environment, then overrides (which win)."""
    env: dict[str, str] = load_dotenv_file()
    env.update(os.environ)
    for key, value in (overrides or {}).items():
        env[key] = "" if value is None else str(value)
    return settings_from(env)


def load_settings_or_exit(overrides: Mapping[str, Any] | None = None) -> Settings:
    """load_settings for a process start: an invalid configuration prints its list of problems
    on stderr and exits, without a Python traceback before it.

    The exit code is gunicorn's "worker failed to boot" (3), so its master stops instead of
    starting workers that would fail the same way again and again.
    """
    try:
        return load_settings(overrides)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        raise SystemExit(3) from None


def settings_fields() -> list[str]:
    return [f.name for f in fields(Settings)]


def child_environment(overrides: Mapping[str, str]) -> dict[str, str]:
    """The environment for a child process of ours, with `overrides` applied."""
    env = dict(os.environ)
    env.update(overrides)
    return env
