"""Console accounts: roles, permissions, hashed passwords, rate-limited logins, the audit log."""

from __future__ import annotations

import functools
import hashlib
import hmac
import re
import secrets
import time
import unicodedata
from dataclasses import dataclass
from typing import Any

from bot.services.runtime import Runtime
from bot.store.accounts import Accounts, LoginAttempts
from bot.store.audit import Audit
from bot.store.metrics import CONSOLE_REFUSALS

ROLES = ("officer", "approver", "staff", "reviewer", "admin")
ROLE_NAMES = {
    "officer": "Cán bộ soạn tin",
    "approver": "Người duyệt tin",
    "staff": "Cán bộ y tế",
    "reviewer": "Người duyệt chuyên môn",
    "admin": "Quản trị",
}
# Who may do what; admin may do everything.
PERMISSIONS: dict[str, frozenset[str]] = {
    "dashboard": frozenset({"officer", "approver", "staff", "reviewer"}),
    "broadcasts.view": frozenset({"officer", "approver"}),
    "broadcasts.create": frozenset({"officer"}),
    "broadcasts.approve": frozenset({"approver"}),
    "broadcasts.cancel": frozenset({"officer", "approver"}),
    "content": frozenset({"staff", "reviewer"}),
    "content.edit": frozenset({"staff", "reviewer"}),
    "content.review": frozenset({"reviewer"}),
    "accounts": frozenset(),
    "audit": frozenset(),
}
MAX_FAILURES = 5  # per address (any account), per FAILURE_WINDOW_SECONDS
FAILURE_WINDOW_SECONDS = 15 * 60
# Per account, from any addresses: more than one address can contribute, so a single client
# cannot lock someone out, and the lock is short.
ACCOUNT_MAX_FAILURES = 10
ACCOUNT_WINDOW_SECONDS = 5 * 60
MIN_PASSWORD = 10
NAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,31}$")
# OWASP's scrypt guidance: N=2^17, r=8, p=1 (128 MiB per check). A stored hash names its own
# cost, so older hashes still verify, and are replaced at the next successful login.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**17, 8, 1


class AccountError(ValueError):
    """A request about accounts that cannot be done; the message is shown to the person."""


class LoginThrottled(Exception):
    """Too many failed logins for this account or address; try again later."""


@dataclass(frozen=True)
class Account:
    name: str
    role: str
    generation: int

    def can(self, permission: str) -> bool:
        return allowed(self.role, permission)

    @property
    def role_name(self) -> str:
        return ROLE_NAMES.get(self.role, self.role)


def allowed(role: str, permission: str) -> bool:
    if permission not in PERMISSIONS:
        raise KeyError(permission)  # a typo in a route must not open it to everyone
    return role == "admin" or role in PERMISSIONS[permission]


# passwords ------------------------------------------------------------------------------
def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = _scrypt(password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        kind, n, r, p, salt, digest = stored.split("$")
        if kind != "scrypt":
            return False
        computed = _scrypt(password, bytes.fromhex(salt), int(n), int(r), int(p))
    except ValueError:
        return False
    return hmac.compare_digest(computed.hex(), digest)


def needs_rehash(stored: str) -> bool:
    """True when the stored hash is cheaper than today's parameters."""
    try:
        kind, n, r, p, _salt, _digest = stored.split("$")
        return kind != "scrypt" or (int(n), int(r), int(p)) < (SCRYPT_N, SCRYPT_R, SCRYPT_P)
    except ValueError:
        return True


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    memory = 128 * r * n * (p + 1) + 1024 * 1024  # what scrypt needs, with room to spare
    return hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=memory, dklen=32
    )


@functools.cache
def _dummy_hash() -> str:
    """Checked when the account does not exist, so a wrong name costs as long as a wrong
    password and the response time does not reveal which names exist."""
    return hash_password(secrets.token_hex(8))


# account management ---------------------------------------------------------------------
def _store(rt: Runtime) -> Accounts:
    return Accounts(rt.redis, rt.keys)


def _now_ms() -> int:
    return int(time.time() * 1000)


def check_name(name: str) -> str:
    name = name.strip().lower()
    if not NAME_RE.match(name):
        raise AccountError("Tên đăng nhập gồm 2–32 ký tự: chữ thường không dấu, số, . _ -")
    return name


def check_role(role: str) -> str:
    if role not in ROLES:
        raise AccountError(f"Vai trò không hợp lệ: {role} (chọn: {', '.join(ROLES)})")
    return role


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"Mật khẩu cần ít nhất {MIN_PASSWORD} ký tự")
    return password


def add_user(rt: Runtime, name: str, role: str, password: str, *, by: str) -> Account:
    name, role = check_name(name), check_role(role)
    digest = hash_password(check_password(password))
    if not _store(rt).create(name, role, digest, _now_ms()):
        raise AccountError(f"Tài khoản {name} đã tồn tại")
    audit(rt, by, "account.add", name, f"role={role}")
    created = account(rt, name)
    assert created is not None
    return created


def remove_user(rt: Runtime, name: str, *, by: str) -> None:
    name = name.strip().lower()
    if not _store(rt).delete(name):
        raise AccountError(f"Không có tài khoản {name}")
    audit(rt, by, "account.remove", name)


def set_password(rt: Runtime, name: str, password: str, *, by: str) -> None:
    name = name.strip().lower()
    digest = hash_password(check_password(password))
    if not _store(rt).update(name, _now_ms(), password_hash=digest):
        raise AccountError(f"Không có tài khoản {name}")
    audit(rt, by, "account.passwd", name)


def list_users(rt: Runtime) -> list[dict[str, Any]]:
    store, out = _store(rt), []
    for name in store.names():
        rec = store.get(name)
        if rec:
            out.append(
                {
                    "name": rec.name,
                    "role": rec.role,
                    "created_ms": rec.created_ms,
                    "updated_ms": rec.updated_ms,
                }
            )
    return out


def account(rt: Runtime, name: str, generation: int | None = None) -> Account | None:
    """The account behind a login, None when it is gone or changed since (`generation`)."""
    rec = _store(rt).get(name)
    if rec is None or (generation is not None and rec.generation != generation):
        return None
    return Account(rec.name, rec.role, rec.generation)


def canonical_name(name: str) -> str:
    """A person's name as compared everywhere (four eyes, --by, API tokens): NFKC, format
    characters (zero-width spaces, joiners, direction marks) removed, spaces collapsed,
    case folded; so "adam\u200b" and "ADAM" are adam."""
    folded = unicodedata.normalize("NFKC", name)
    visible = "".join(ch for ch in folded if unicodedata.category(ch) != "Cf")
    return " ".join(visible.split()).casefold()


def named_account(rt: Runtime, name: str) -> Account | None:
    """The console account a name given on the command line or in an API token stands for."""
    key = canonical_name(name)
    return account(rt, key) if NAME_RE.match(key) else None


def approver(rt: Runtime, name: str) -> Account:
    """The account that approves under `name`: it must exist and hold the approver role."""
    found = named_account(rt, name)
    if found is None:
        raise AccountError(f"Không có tài khoản nào tên {name!r}; người duyệt phải có tài khoản")
    if not found.can("broadcasts.approve"):
        raise AccountError(f"Tài khoản {found.name} không có quyền duyệt tin")
    return found


# logging in -----------------------------------------------------------------------------
def authenticate(rt: Runtime, name: str, password: str, address: str) -> Account | None:
    """The account when name and password match; raises LoginThrottled after repeated failures.

    Every attempt is counted before the password is checked, so concurrent attempts cannot
    check more passwords than the limits allow: MAX_FAILURES per address (any account) in
    FAILURE_WINDOW_SECONDS, ACCOUNT_MAX_FAILURES per account (any address) in the shorter
    ACCOUNT_WINDOW_SECONDS. A success takes its own attempt back.
    """
    name = name.strip().lower()[:64]
    by_address = LoginAttempts(rt.redis, rt.keys, FAILURE_WINDOW_SECONDS)
    by_account = LoginAttempts(rt.redis, rt.keys, ACCOUNT_WINDOW_SECONDS)
    who_user, who_addr = f"user:{name}", f"ip:{address}"
    if by_address.hit(who_addr) > MAX_FAILURES or by_account.hit(who_user) > ACCOUNT_MAX_FAILURES:
        refused(rt, "login_throttled")
        raise LoginThrottled()
    rec = _store(rt).get(name) if NAME_RE.match(name) else None
    ok = verify_password(password, rec.password_hash if rec else _dummy_hash())
    if not (ok and rec):
        refused(rt, "login_failed")
        return None
    by_address.undo(who_addr)
    by_account.clear(who_user)
    if needs_rehash(rec.password_hash):  # the generation stays: the new login is kept
        _store(rt).rehash(rec.name, rec.password_hash, hash_password(password))
    audit(rt, name, "login", address)
    return Account(rec.name, rec.role, rec.generation)


# audit ----------------------------------------------------------------------------------
def refused(rt: Runtime, reason: str) -> None:
    """An anonymous failure (wrong login, bad API token): counted, never in the audit trail,
    so anyone on the internet cannot fill the trail."""
    rt.metrics.inc(CONSOLE_REFUSALS, {"reason": reason})


def audit(
    rt: Runtime, who: str, action: str, target: str = "", detail: str = "", outcome: str = "ok"
) -> None:
    """Record an action in the audit stream shared with the API and the commands."""
    extra = {"detail": detail[:500]} if detail else {}
    retention = rt.settings.audit_retention_days
    Audit(rt.redis, rt.keys, retention).record(who, action, target=target, outcome=outcome, **extra)


def audit_entries(rt: Runtime, count: int = 200) -> list[dict[str, str]]:
    """Newest first, each with `at` (epoch ms), `who`, `action`, `target`, `outcome`, ..."""
    return Audit(rt.redis, rt.keys).recent(count)
