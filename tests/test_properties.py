"""Properties that hold for any input: the webhook, the normaliser and content loading."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, Phase, assume, given, settings
from hypothesis import strategies as st

from bot.content.loader import load
from bot.content.watcher import ContentWatcher
from bot.errors import ContentError
from bot.language.normalise import normalise
from bot.zalo.signature import HEADER, PREFIX, compute_mac
from tests.conftest import ROOT
from tests.fakezalo.events import APP_ID, OA_SECRET, encode, sign_event, text_event

FAQ, HOTLINES = ROOT / "faq.yaml", ROOT / "hotlines.yaml"
# The fixtures are built once per test, not per example: that is the point here, since every
# example must leave the queue exactly as it found it.
SHARED_FIXTURES = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
WEBHOOK = settings(max_examples=200, deadline=None, suppress_health_check=SHARED_FIXTURES)
TEXT = settings(max_examples=500, deadline=None)
# A content example is already minimal (a mutation and a line) and costs a full parse: no shrinking.
YAML = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=SHARED_FIXTURES,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
)


# --- the webhook ------------------------------------------------------------------------------


@pytest.fixture
def app(redis_url: str, tmp_path: Path) -> Flask:
    from app import create_app

    return create_app(
        {
            "REDIS_URL": redis_url,
            "REDIS_KEY_PREFIX": "prop:",
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "ZALO_APP_ID": APP_ID,
            "ZALO_APP_SECRET": "app-secret",
            "ZALO_REFRESH_TOKEN": "seed-refresh",
            "ZALO_OA_SECRET_KEY": OA_SECRET,
            "FAQ_PATH": str(FAQ),
            "HOTLINES_PATH": str(HOTLINES),
            "WEBHOOK_MAX_BYTES": "4096",
            "LOG_LEVEL": "WARNING",
        }
    )


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def queued(app: Flask) -> int:
    return int(app.extensions["bot"].inbound.depth()["length"])


# Header names are HTTP tokens; values are printable Latin-1 without line breaks.
header_names = st.one_of(
    st.sampled_from([HEADER, "Content-Type", "num_retry", "X-Forwarded-For", "Content-Encoding"]),
    st.from_regex(r"\A[A-Za-z][A-Za-z0-9_-]{0,20}\Z"),
)
header_values = st.text(st.characters(min_codepoint=0x20, max_codepoint=0xFF), max_size=120)
headers = st.dictionaries(header_names, header_values, max_size=6)
signature_values = st.one_of(
    header_values,
    st.from_regex(r"\A(mac=|MAC=)?[0-9a-f]{64}\Z"),
    st.just(PREFIX),
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda inner: (
        st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=12), inner, max_size=5)
    ),
    max_leaves=25,
)
event_fields = st.sampled_from(
    ["app_id", "timestamp", "event_name", "sender", "recipient", "message", "user_id_by_app"]
)


def post(client: FlaskClient, body: bytes, hdrs: dict[str, str]) -> int:
    return client.post("/webhook/zalo", data=body, headers=hdrs).status_code


@WEBHOOK
@given(body=st.binary(max_size=6000), hdrs=headers)
def test_random_bytes_never_5xx_and_never_queue(client: FlaskClient, app: Flask, body, hdrs):
    assert post(client, body, hdrs) < 500
    assert queued(app) == 0


@WEBHOOK
@given(value=json_values, hdrs=headers)
def test_random_json_never_5xx_and_never_queue(client: FlaskClient, app: Flask, value, hdrs):
    assert post(client, json.dumps(value).encode(), hdrs) < 500
    assert queued(app) == 0


@st.composite
def zalo_shaped(draw: st.DrawFn) -> dict[str, Any]:
    """A real-looking event with some fields replaced by anything JSON can hold."""
    body = text_event(draw(st.from_regex(r"\A[0-9]{1,20}\Z")), draw(st.text(max_size=200)))
    for field in draw(st.lists(event_fields, max_size=3, unique=True)):
        body[field] = draw(json_values)
    return body


@WEBHOOK
@given(body=zalo_shaped(), signature=signature_values, extra=headers)
def test_events_without_a_valid_signature_never_queue(
    client: FlaskClient, app: Flask, body, signature, extra
):
    hdrs = {**extra, HEADER: signature}
    assert post(client, encode(body), hdrs) < 500
    assert queued(app) == 0


@WEBHOOK
@given(
    body=zalo_shaped(),
    tamper=st.sampled_from(["wrong_secret", "flip_byte", "other_timestamp", "no_header"]),
    where=st.integers(min_value=0),
)
def test_tampered_signed_events_never_queue(client: FlaskClient, app: Flask, body, tamper, where):
    raw, hdrs = sign_event(_signable(body), OA_SECRET)
    if tamper == "wrong_secret":
        raw, hdrs = sign_event(_signable(body), OA_SECRET + "x")
    elif tamper == "flip_byte":
        i = where % len(raw)
        raw = raw[:i] + bytes([raw[i] ^ 0x01]) + raw[i + 1 :]
    elif tamper == "other_timestamp":
        hdrs[HEADER] = PREFIX + compute_mac(APP_ID, raw, "1" + str(body["timestamp"]), OA_SECRET)
    else:
        del hdrs[HEADER]
    assert post(client, raw, hdrs) < 500
    assert queued(app) == 0


def _signable(body: dict[str, Any]) -> dict[str, Any]:
    """sign_event needs app_id and timestamp it can turn into text."""
    return {**body, "app_id": str(body.get("app_id")), "timestamp": str(body.get("timestamp"))}


@WEBHOOK
@given(text=st.text(max_size=300), user=st.from_regex(r"\A[1-9][0-9]{18}\Z"))
def test_signed_events_are_queued_once(client: FlaskClient, app: Flask, text, user):
    """The control: the same client and count do see a correctly signed event."""
    before = queued(app)
    raw, hdrs = sign_event(text_event(user, text), OA_SECRET)
    assert post(client, raw, hdrs) == 200
    assert post(client, raw, hdrs) == 200  # Zalo's retry of the same event
    assert queued(app) == before + 1


def test_oversized_body_is_refused_without_queueing(client: FlaskClient, app: Flask):
    raw, hdrs = sign_event(text_event("1000000000000000001", "x" * 5000), OA_SECRET)
    assert post(client, raw, hdrs) == 413
    assert queued(app) == 0


# --- the normaliser ---------------------------------------------------------------------------

any_text = st.text(st.characters(blacklist_categories=["Cs"]), max_size=300)
VIETNAMESE = (
    "aăâbcdđeêghiklmnoôơpqrstuưvxyàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ"
)
chat_words = st.sampled_from(
    ["ko", "k", "K", "kh", "dc", "đc", "vx", "vacxin", "chích", "mũi 3", "mui 4", "sskđt", "az",
     "hoà", "thuý", "38,5", "39.5", "độ", "ad", "j", "s", "ng", "ung thư", "K gan", "0912 345 678",
     "😷", "!!!", "...", "?", "\n", "  ", "#dangky", "lich-tiem", "hải hậu", "Nam Định", "ð", "Ɖ"]
)  # fmt: skip
vietnamese_text = st.one_of(
    st.text(st.sampled_from(VIETNAMESE + VIETNAMESE.upper() + " .,?!:;0123456789-/"), max_size=120),
    st.lists(st.one_of(chat_words, st.text(st.sampled_from(VIETNAMESE), min_size=1, max_size=7)),
             max_size=25).map(" ".join),
)  # fmt: skip


@TEXT
@given(text=st.one_of(any_text, vietnamese_text))
def test_normalise_never_raises_and_is_idempotent(text: str):
    once = normalise(text)
    assert isinstance(once.accented, str) and isinstance(once.folded, str)
    assert normalise(once.accented).accented == once.accented


# --- broken content files ---------------------------------------------------------------------

Mutation = Callable[[list[str], int], tuple[list[str], int]]
GOOD_LINES = FAQ.read_text("utf-8").splitlines(keepends=True)


def _indent(line: str) -> str:
    return line[: len(line) - len(line.lstrip(" "))]


def _where(prefix: str) -> list[int]:
    return [i for i, line in enumerate(GOOD_LINES) if line.lstrip().startswith(prefix)]


def truncate_in_quote(lines: list[str], i: int) -> tuple[list[str], int]:
    """Cut the file in the middle of a quoted question, as a failed upload does."""
    line = lines[i]
    cut = line.index('"') + 1 + (len(line) - line.index('"')) // 2
    return [*lines[:i], line[:cut]], i + 1


def indent_more(lines: list[str], i: int) -> tuple[list[str], int]:
    return [*lines[:i], " " + lines[i], *lines[i + 1 :]], i + 1


def indent_less(lines: list[str], i: int) -> tuple[list[str], int]:
    return [*lines[:i], lines[i][1:], *lines[i + 1 :]], i + 1


def tab_indent(lines: list[str], i: int) -> tuple[list[str], int]:
    return [*lines[:i], "\t" + lines[i].lstrip(" "), *lines[i + 1 :]], i + 1


def duplicate_key(lines: list[str], i: int) -> tuple[list[str], int]:
    """The same key twice in one entry: YAML would silently keep only the second."""
    return [*lines[: i + 1], lines[i], *lines[i + 1 :]], i + 2


def duplicate_id(lines: list[str], i: int) -> tuple[list[str], int]:
    ids = _where("- id:")
    other = ids[(ids.index(i) + 1) % len(ids)]
    return [*lines[:i], lines[other], *lines[i + 1 :]], max(i, other) + 1


def wrong_type(value: str) -> Mutation:
    def mutate(lines: list[str], i: int) -> tuple[list[str], int]:
        key = lines[i].strip().split(":", 1)[0].removeprefix("- ")
        dash = "- " if lines[i].lstrip().startswith("- ") else ""
        return [*lines[:i], f"{_indent(lines[i])}{dash}{key}: {value}\n", *lines[i + 1 :]], i + 1

    return mutate


# (name, mutation, the lines it may apply to, how far from the edit the named line may be)
MUTATIONS: list[tuple[str, Mutation, list[int], int]] = [
    ("truncated", truncate_in_quote, _where('question: "'), 1),
    ("indented more", indent_more, _where("variants:") + _where("answer:"), 3),
    ("indented less", indent_less, _where("variants:") + _where("source:"), 3),
    ("tab", tab_indent, _where("variants:") + _where("group:") + _where("reviewed:"), 1),
    ("duplicate key", duplicate_key, _where('question: "') + _where("source:"), 1),
    ("duplicate id", duplicate_id, _where("- id:"), 0),
    ("list for text", wrong_type("[a, b]"), _where('question: "') + _where("group:"), 0),
    ("mapping for id", wrong_type("{a: 1}"), _where("- id:"), 0),
    ("text for date", wrong_type("someday"), _where("reviewed:") + _where("review_by:"), 0),
    ("number for list", wrong_type("7"), _where("related:"), 0),
]


BY_NAME = {name: (mutate, slack) for name, mutate, _, slack in MUTATIONS}
# Drawn as (mutation name, line index) so a failing example prints small.
edits = st.one_of(
    [st.tuples(st.just(name), st.sampled_from(lines)) for name, _, lines, _ in MUTATIONS]
)


def broken_faq(edit: tuple[str, int]) -> tuple[str, int, int]:
    """(broken file text, the edited line (1-based), how far the named line may be from it)."""
    name, i = edit
    mutate, slack = BY_NAME[name]
    lines, edited = mutate(list(GOOD_LINES), i)
    return "".join(lines), edited, slack


@pytest.fixture
def content_dir() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="nd-prop-content-"))
    shutil.copy(FAQ, path / "faq.yaml")
    shutil.copy(HOTLINES, path / "hotlines.yaml")
    yield path
    shutil.rmtree(path, ignore_errors=True)


@YAML
@given(edit=edits)
def test_broken_faq_gives_an_error_naming_the_line(content_dir: Path, edit):
    name, _ = edit
    text, edited, slack = broken_faq(edit)
    (content_dir / "faq.yaml").write_text(text, "utf-8")
    with pytest.raises(ContentError) as caught:
        load(content_dir / "faq.yaml", content_dir / "hotlines.yaml")
    line = caught.value.line
    assert line is not None, f"{name}: {caught.value}"
    assert edited - slack <= line <= edited + slack, f"{name} at {edited}: {caught.value}"


@pytest.fixture
def watcher(content_dir: Path) -> ContentWatcher:
    w = ContentWatcher(content_dir / "faq.yaml", content_dir / "hotlines.yaml")
    w.poll()
    return w


@YAML
@given(edit=edits)
def test_a_running_watcher_keeps_the_last_good_version(
    content_dir: Path, watcher: ContentWatcher, edit
):
    name, _ = edit
    text, _, _ = broken_faq(edit)
    good = watcher.current
    faq = content_dir / "faq.yaml"
    assume(text != faq.read_text("utf-8"))
    faq.write_text(text, "utf-8")
    _touch_forward(faq)
    watcher.poll()
    assert watcher.current is good, name
    errors = watcher.status()["errors"]
    assert errors and all(e.get("line") for e in errors), f"{name}: {errors}"
    assert watcher.current.entries == good.entries


def test_the_watcher_recovers_when_the_file_is_fixed(content_dir: Path, watcher: ContentWatcher):
    faq = content_dir / "faq.yaml"
    good_text = faq.read_text("utf-8")
    faq.write_text(good_text.replace("version:", "version: [", 1), "utf-8")
    _touch_forward(faq)
    watcher.poll()
    assert watcher.status()["errors"]
    faq.write_text(good_text.replace('version: "', 'version: "fixed-', 1), "utf-8")
    _touch_forward(faq)
    watcher.poll()
    assert not watcher.status()["errors"]
    assert watcher.current.version.startswith("faq fixed-")


_clock = [0]


def _touch_forward(path: Path) -> None:
    """A distinct mtime per write, so a coarse file-system clock cannot hide an edit."""
    _clock[0] += 1
    stamp = path.stat().st_mtime + _clock[0]
    os.utime(path, (stamp, stamp))
