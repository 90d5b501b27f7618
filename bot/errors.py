"""The exception hierarchy callers catch by meaning."""

from __future__ import annotations


class BotError(Exception):
    """Base of every error this project raises on purpose."""


class ConfigError(BotError):
    """Settings are invalid; carries every problem found."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        super().__init__("invalid configuration:\n  - " + "\n  - ".join(self.problems))


class ContentError(BotError):
    """faq.yaml or hotlines.yaml is invalid."""

    def __init__(self, message: str, file: str = "", line: int | None = None, entry: str = ""):
        self.file, self.line, self.entry, self.detail = file, line, entry, message
        where = file + (f":{line}" if line else "") + (f" [{entry}]" if entry else "")
        super().__init__(f"{where}: {message}" if where else message)


class StoreUnavailable(BotError):
    """Redis cannot be reached."""


class ZaloError(BotError):
    """Zalo answered with an error code or could not be reached."""

    def __init__(self, code: int, message: str = ""):
        self.code = code
        self.message = message
        super().__init__(f"Zalo error {code}: {message}")


class ZaloRetryable(ZaloError):
    """Worth trying again later: network, 5xx, -100, -200 once."""


class ZaloRateLimited(ZaloRetryable):
    """-32: the app or OA reached its call limit."""


class ZaloWindowClosed(ZaloError):
    """The resident cannot receive this message now (-213 -217 -227 -230 -232 -234 -244)."""


class ZaloAuthError(ZaloError):
    """-216/-220: the access token is invalid or expired."""


class ZaloPermanent(ZaloError):
    """A request Zalo will never accept as it is."""


class TokenUnavailable(ZaloError):
    """No usable access token; the refresh token is dead or missing."""
