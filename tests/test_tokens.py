"""The shared token pair: one refresh for many workers, dead-token handling, seeding, OAuth."""

from __future__ import annotations

import logging
import multiprocessing
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import redis
import requests

from bot.errors import TokenUnavailable, ZaloRetryable
from bot.store.keys import Keys
from bot.store.tokens import TokenStore
from bot.zalo import oauth
from tests.fakezalo.server import FakeZalo
from tests.redis_server import client_for

KEYS = Keys("t:")
REDIRECT = "https://bot.example.gov.vn/zalo/oauth/callback"


@pytest.fixture
def fake() -> Iterator[FakeZalo]:
    with FakeZalo() as server:
        yield server


def refresher_for(url: str, app_id: str, secret: str) -> Callable[[str], oauth.TokenPair]:
    def refresh(refresh_token: str) -> oauth.TokenPair:
        return oauth.refresh_tokens(url, app_id, secret, refresh_token, timeout=3.0)

    return refresh


def store_for(fake: FakeZalo, r: redis.Redis, **kwargs: Any) -> TokenStore:
    kwargs.setdefault("seed_access", fake.access_token)
    kwargs.setdefault("seed_refresh", fake.refresh_token)
    return TokenStore(r, KEYS, refresher_for(fake.url, fake.app_id, fake.app_secret), **kwargs)


def expire_stored(store: TokenStore, fake: FakeZalo) -> None:
    """The stored pair is past its expiry and Zalo agrees."""
    store.store_pair(oauth.TokenPair(fake.access_token, fake.refresh_token, time.time() - 5), "env")
    fake.expire_access_token()


def run_together(n: int, work: Callable[[], str]) -> list[str | BaseException]:
    barrier = threading.Barrier(n)
    results: list[str | BaseException] = []
    lock = threading.Lock()

    def worker() -> None:
        barrier.wait(5)
        try:
            value: str | BaseException = work()
        except BaseException as exc:  # reported to the test, not swallowed
            value = exc
        with lock:
            results.append(value)

    threads = [threading.Thread(target=worker) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(15)
    return results


def test_four_threads_on_an_expired_token_refresh_once(fake: FakeZalo, redis_url: str) -> None:
    fake.latency = 0.15  # a slow token endpoint widens any race
    expire_stored(store_for(fake, client_for(redis_url)), fake)
    old = fake.access_token
    stores = [store_for(fake, client_for(redis_url)) for _ in range(4)]
    it = iter(stores)
    lock = threading.Lock()

    def work() -> str:
        with lock:
            store = next(it)
        return store.access_token()

    results = run_together(4, work)
    assert fake.refresh_calls == 1
    assert results == [fake.access_token] * 4 and fake.access_token != old
    assert stores[0].state()["refresh_count"] == 1


def test_four_threads_reporting_a_rejected_token_refresh_once(
    fake: FakeZalo, rdb: redis.Redis
) -> None:
    fake.latency = 0.1
    store = store_for(fake, rdb)
    stale = store.access_token()
    results = run_together(4, lambda: store.refresh(stale))
    assert fake.refresh_calls == 1
    assert results == [fake.access_token] * 4 and fake.access_token != stale


def _process_worker(redis_url: str, fake_url: str, app_id: str, secret: str, barrier: Any,
                    out: Any) -> None:  # fmt: skip
    store = TokenStore(
        client_for(redis_url),
        KEYS,
        refresher_for(fake_url, app_id, secret),
    )
    barrier.wait(30)
    try:
        out.put(store.access_token())
    except Exception as exc:
        out.put(f"error: {exc!r}")


def test_four_processes_on_an_expired_token_refresh_once(
    fake: FakeZalo, rdb: redis.Redis, redis_url: str
) -> None:
    fake.latency = 0.1
    expire_stored(store_for(fake, rdb), fake)
    ctx = multiprocessing.get_context("spawn")
    barrier, out = ctx.Barrier(4), ctx.Queue()
    args = (redis_url, fake.url, fake.app_id, fake.app_secret, barrier, out)
    procs = [ctx.Process(target=_process_worker, args=args) for _ in range(4)]
    for p in procs:
        p.start()
    try:
        results = [out.get(timeout=30) for _ in procs]
    finally:
        for p in procs:
            p.join(10)
            if p.is_alive():
                p.kill()
    assert fake.refresh_calls == 1
    assert results == [fake.access_token] * 4


def test_dead_refresh_token(
    fake: FakeZalo, rdb: redis.Redis, caplog: pytest.LogCaptureFixture
) -> None:
    store = store_for(fake, rdb, seed_refresh="already-used-refresh-token")
    store.store_pair(oauth.TokenPair(fake.access_token, "already-used", time.time() - 1), "env")
    caplog.set_level(logging.INFO, logger="bot.store.tokens")
    with pytest.raises(TokenUnavailable) as caught:
        store.access_token()
    assert caught.value.code == -14014
    same_seeds = store_for(fake, rdb, seed_refresh="already-used-refresh-token")  # a restart
    for again in (store, same_seeds):
        with pytest.raises(TokenUnavailable):
            again.access_token()
        with pytest.raises(TokenUnavailable):
            again.refresh(fake.access_token)
    assert fake.refresh_calls == 1  # a dead token is not hammered
    state = store.state()
    assert state["status"] == "dead" and state["dead_code"] == -14014
    assert state["dead_at"] > 0
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1 and "authorise" in errors[0].getMessage()
    text = repr(state) + caplog.text
    assert fake.access_token not in text and "already-used" not in text


def test_the_same_seeds_never_overwrite_the_stored_pair(fake: FakeZalo, rdb: redis.Redis) -> None:
    first = store_for(fake, rdb, seed_access="seed-a1", seed_refresh="seed-r1")
    assert first.access_token() == "seed-a1"
    restarted = store_for(fake, rdb, seed_access="seed-a1", seed_refresh="seed-r1")
    assert restarted.access_token() == "seed-a1"
    assert restarted.state()["source"] == "env"
    rdb.flushdb()
    assert restarted.access_token() == "seed-a1"  # seeded again into an empty Redis


def test_a_rotated_pair_survives_a_restart_with_old_seeds(fake: FakeZalo, rdb: redis.Redis) -> None:
    seed, seed_refresh = fake.access_token, fake.refresh_token
    store_for(fake, rdb).refresh(seed)
    restarted = store_for(fake, rdb, seed_access=seed, seed_refresh=seed_refresh)
    assert restarted.access_token() == fake.access_token != seed


def test_a_new_pair_in_the_environment_replaces_the_stored_one_once(
    fake: FakeZalo, rdb: redis.Redis, caplog: pytest.LogCaptureFixture
) -> None:
    now = [1_000_000.0]
    old = store_for(fake, rdb, clock=lambda: now[0])
    old.refresh(old.access_token())  # the seeded chain was rotated since
    assert old.state()["refresh_count"] == 1
    now[0] += 600
    caplog.set_level(logging.INFO, logger="bot.store.tokens")

    def start_with_new_pair() -> str:
        store = store_for(fake, rdb, seed_access="a2", seed_refresh="r2", clock=lambda: now[0])
        return store.access_token()

    # Four processes start with the new pair at once: one replaces, once, and says so.
    assert run_together(4, start_with_new_pair) == ["a2"] * 4
    replaced = [r for r in caplog.records if "replaced" in r.getMessage()]
    assert len(replaced) == 1 and "a2" not in caplog.text and "r2" not in caplog.text
    state = old.state()
    assert state["source"] == "env" and state["since"] == now[0] and state["refresh_count"] == 0
    # The new chain rotates as usual and a restart with that same pair keeps the rotated one.
    rdb.hset(KEYS.token(), mapping={"access_token": "a3", "refresh_token": "r3"})
    assert start_with_new_pair() == "a3"
    assert len([r for r in caplog.records if "replaced" in r.getMessage()]) == 1


def test_a_new_pair_in_the_environment_revives_a_dead_chain(
    fake: FakeZalo, rdb: redis.Redis
) -> None:
    dead = store_for(fake, rdb, seed_access="", seed_refresh="spent")
    with pytest.raises(TokenUnavailable):
        dead.access_token()
    assert dead.state()["status"] == "dead"
    fresh = store_for(fake, rdb)  # the operator put a pair from the API Explorer in the env
    assert fresh.access_token() == fake.access_token
    assert fresh.state()["status"] == "ok"


def test_no_seed_and_no_record(fake: FakeZalo, rdb: redis.Redis) -> None:
    store = store_for(fake, rdb, seed_access="", seed_refresh="")
    assert store.state()["status"] == "missing"
    with pytest.raises(TokenUnavailable):
        store.access_token()


def test_refresh_token_only_seed_refreshes_at_once(fake: FakeZalo, rdb: redis.Redis) -> None:
    store = store_for(fake, rdb, seed_access="")
    assert store.access_token() == fake.access_token and fake.refresh_calls == 1


def test_early_refresh_within_the_leeway_and_state(fake: FakeZalo, rdb: redis.Redis) -> None:
    now = [1_000_000.0]
    store = store_for(fake, rdb, clock=lambda: now[0], leeway_seconds=3600)
    seeded = store.access_token()
    assert fake.refresh_calls == 0
    assert store.state()["status"] == "ok" and store.state()["seconds_left"] == 90000
    now[0] += 90000 - 1800  # half an hour left: inside the leeway
    assert store.state()["status"] == "expiring"
    fresh = store.access_token()
    assert fresh != seeded and fake.refresh_calls == 1
    stored = rdb.hgetall(KEYS.token())
    assert stored["access_token"] == fresh and stored["refresh_token"] == fake.refresh_token
    state = store.state()
    assert state["status"] == "ok" and state["last_refresh"] == now[0]
    assert state["refresh_count"] == 1 and state["source"] == "env"
    assert fresh not in repr(state) and fake.refresh_token not in repr(state)


def test_refresh_is_skipped_when_another_worker_already_replaced_it(
    fake: FakeZalo, rdb: redis.Redis
) -> None:
    store = store_for(fake, rdb)
    old = store.access_token()
    new = store.refresh(old)
    assert store.refresh(old) == new and fake.refresh_calls == 1


def test_unreachable_token_endpoint(fake: FakeZalo, rdb: redis.Redis) -> None:
    now = [1_000_000.0]
    broken = TokenStore(
        rdb, KEYS, refresher_for("http://127.0.0.1:9", "1", "s"),
        seed_access="still-valid", seed_refresh="r", clock=lambda: now[0],
    )  # fmt: skip
    assert broken.state()["seconds_left"] == 90000  # seeded now
    now[0] += 90000 - 60  # a minute left: stale but usable
    assert broken.access_token() == "still-valid"
    now[0] += 120  # expired
    with pytest.raises(ZaloRetryable):
        broken.access_token()
    assert broken.state()["status"] != "dead"


def test_busy_lock_returns_a_still_valid_token_and_bounds_the_wait(
    fake: FakeZalo, rdb: redis.Redis
) -> None:
    now = [1_000_000.0]
    store = store_for(fake, rdb, clock=lambda: now[0], wait_seconds=0.3)
    seeded = store.access_token()
    rdb.set(KEYS.token_lock(), "someone-else", px=10_000)
    now[0] += 90000 - 60
    assert store.access_token() == seeded  # stale but valid: no waiting
    now[0] += 120
    started = time.monotonic()
    with pytest.raises(ZaloRetryable):
        store.access_token()
    assert time.monotonic() - started < 2.0
    assert fake.refresh_calls == 0
    assert rdb.get(KEYS.token_lock()) == "someone-else"  # never released someone else's lock


def test_oauth_code_exchange_with_pkce(fake: FakeZalo, rdb: redis.Redis) -> None:
    verifier, challenge = oauth.new_pkce()
    assert len(verifier) == 43 and challenge == oauth.challenge_for(verifier) != verifier
    url = oauth.authorize_url(fake.url, fake.app_id, REDIRECT, challenge, "state-123")
    assert url.startswith(fake.url + "/v4/oa/permission?app_id=")
    answer = requests.get(url, allow_redirects=False, timeout=3)
    assert answer.status_code == 302
    location = urlsplit(answer.headers["Location"])
    assert location.geturl().startswith(REDIRECT + "?")
    query = {k: v[0] for k, v in parse_qs(location.query).items()}
    assert query["state"] == "state-123" and query["oa_id"] == fake.oa_id
    pair = oauth.exchange_code(
        fake.url, fake.app_id, fake.app_secret, query["code"], verifier, now=lambda: 1000.0
    )
    assert pair.access_token == fake.access_token and pair.expires_at == 1000.0 + 90000
    assert pair.access_token not in repr(pair)
    store = store_for(fake, rdb, seed_access="", seed_refresh="")
    store.store_pair(pair)
    assert store.access_token() == fake.access_token
    assert store.state()["source"] == "oauth"
    token_call = next(r for r in fake.requests if r["path"] == "/v4/oa/access_token")
    assert token_call["headers"]["secret_key"] == fake.app_secret
    assert token_call["form"]["grant_type"] == "authorization_code"
    assert "app_secret" not in token_call["form"] and fake.app_secret not in token_call["form"]
    with pytest.raises(oauth.OAuthError) as caught:  # codes are single use
        oauth.exchange_code(fake.url, fake.app_id, fake.app_secret, query["code"], verifier)
    assert caught.value.code == -14005


def test_code_exchange_with_the_wrong_verifier_fails(fake: FakeZalo) -> None:
    _, challenge = oauth.new_pkce()
    url = oauth.authorize_url(fake.url, fake.app_id, REDIRECT, challenge, "s")
    code = parse_qs(urlsplit(requests.get(url, allow_redirects=False, timeout=3)
                             .headers["Location"]).query)["code"][0]  # fmt: skip
    other, _ = oauth.new_pkce()
    with pytest.raises(oauth.OAuthError) as caught:
        oauth.exchange_code(fake.url, fake.app_id, fake.app_secret, code, other)
    assert not isinstance(caught.value, oauth.RefreshTokenDead)


def test_refresh_rotates_and_is_single_use(fake: FakeZalo) -> None:
    first = fake.refresh_token
    pair = oauth.refresh_tokens(fake.url, fake.app_id, fake.app_secret, first, now=lambda: 5.0)
    assert pair.refresh_token == fake.refresh_token != first and pair.expires_at == 90005.0
    with pytest.raises(oauth.RefreshTokenDead) as caught:
        oauth.refresh_tokens(fake.url, fake.app_id, fake.app_secret, first)
    assert caught.value.code == -14014 and caught.value.message == "Invalid refresh token"
    with pytest.raises(oauth.OAuthError) as wrong_secret:
        oauth.refresh_tokens(fake.url, fake.app_id, "not-the-secret", pair.refresh_token)
    assert not isinstance(wrong_secret.value, oauth.RefreshTokenDead)


@pytest.mark.parametrize(
    ("body", "error", "code"),
    [
        ({"error": -118, "error_name": "invalid_grant"}, oauth.RefreshTokenDead, -118),
        ({"error": -14020, "error_name": "Refresh token expired"}, oauth.RefreshTokenDead, -14020),
        ({"error": -14002, "error_name": "Invalid appId"}, oauth.OAuthError, -14002),
        ({"data": {"access_token": "nested"}}, oauth.OAuthError, oauth.NO_ANSWER),
    ],
)
def test_token_answers_without_access_token_are_errors(
    body: dict[str, Any], error: type[Exception], code: int
) -> None:
    with pytest.raises(error) as caught:
        oauth._pair(body, 0.0, oauth.DEAD_REFRESH_CODES)
    assert caught.value.code == code  # type: ignore[attr-defined]


@pytest.mark.parametrize("expires_in", ["90000", 90000, 90000.0])
def test_expires_in_as_string_or_number(expires_in: object) -> None:
    pair = oauth._pair({"access_token": "a", "refresh_token": "r", "expires_in": expires_in}, 10.0)
    assert pair.expires_at == 90010.0


def test_concurrent_first_use_on_an_empty_redis_all_get_the_seed(
    fake: FakeZalo, redis_url: str
) -> None:
    stores = [store_for(fake, client_for(redis_url)) for _ in range(8)]
    it = iter(stores)
    lock = threading.Lock()

    def work() -> str:
        with lock:
            store = next(it)
        return store.access_token()

    results = run_together(8, work)
    assert results == [fake.access_token] * 8  # the losers of the seeding race read the winner's
