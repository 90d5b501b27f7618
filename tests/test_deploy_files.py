"""Every file in deploy/ checked by the tool that will run it: nginx, systemd, gunicorn, redis."""

from __future__ import annotations

import http.client
import re
import shutil
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import redis
import yaml

from bot.config import OPTIONS, SECRET_NAMES, child_environment
from tests.conftest import ROOT
from tests.redis_server import free_port

DEPLOY = ROOT / "deploy"
UNITS = ("nd-bot-web.service", "nd-bot-worker@.service")
CONTRACT_WEB = ["gunicorn", "-c", "deploy/gunicorn.conf.py", "app:create_app()"]


def tool(name: str, package: str) -> str:
    """The tool's path; a missing tool fails the test (never skips it)."""
    found = shutil.which(name) or next(
        (p for p in (f"/usr/sbin/{name}", f"/sbin/{name}") if Path(p).exists()), None
    )
    if not found:
        pytest.fail(f"{name} is not installed: apt-get install {package} (make test does it)")
    return found


def run(args: list[str], **kw: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, timeout=60, **kw)  # type: ignore[call-overload]


# --- nginx ---------------------------------------------------------------------------------------


def self_signed(where: Path) -> tuple[Path, Path]:
    openssl = tool("openssl", "openssl")
    cert, key = where / "cert.pem", where / "key.pem"
    args = ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-subj", "/CN=bot.example.gov.vn", "-keyout", str(key), "-out", str(cert)]  # fmt: skip
    done = run([openssl, *args])
    assert done.returncode == 0, done.stderr
    return cert, key


def nginx_prefix(tmp: Path, *, upstream: int = 5000, http: int = 80, https: int = 443) -> Path:
    """The shipped site inside a minimal nginx.conf, every path under `tmp`."""
    cert, key = self_signed(tmp)
    (tmp / "logs").mkdir()
    site = (DEPLOY / "nginx" / "nd-bot.conf").read_text()
    site = site.replace("/etc/nd-bot/tls/fullchain.pem", str(cert))
    site = site.replace("/etc/nd-bot/tls/privkey.pem", str(key))
    site = site.replace("/var/log/nginx/", f"{tmp}/logs/")
    site = site.replace("127.0.0.1:5000", f"127.0.0.1:{upstream}")
    site = re.sub(r"listen (\[::\]:)?80;", lambda m: f"listen {m[1] or ''}{http};", site)
    site = re.sub(r"listen (\[::\]:)?443 ", lambda m: f"listen {m[1] or ''}{https} ", site)
    (tmp / "site.conf").write_text(site)
    temps = "\n".join(
        f"  {kind}_temp_path {tmp}/{kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    (tmp / "nginx.conf").write_text(
        f"daemon off;\npid {tmp}/nginx.pid;\nerror_log {tmp}/logs/error.log;\n"
        f"events {{}}\nhttp {{\n  access_log {tmp}/logs/access.log;\n{temps}\n"
        f"  include {tmp}/site.conf;\n}}\n"
    )
    return tmp / "nginx.conf"


def test_nginx_accepts_the_site(tmp_path: Path) -> None:
    nginx = tool("nginx", "nginx-light")
    conf = nginx_prefix(tmp_path)
    done = run([nginx, "-t", "-p", str(tmp_path), "-c", str(conf)])
    assert done.returncode == 0, done.stderr
    assert "test is successful" in done.stderr


class Upstream(BaseHTTPRequestHandler):
    """Stands in for gunicorn: answers 200 with the path it was asked for."""

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        body = f"upstream {self.path}".encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def site(tmp_path: Path) -> Iterator[tuple[int, int]]:
    """nginx running the shipped site on free ports in front of a stub upstream."""
    nginx = tool("nginx", "nginx-light")
    upstream = ThreadingHTTPServer(("127.0.0.1", 0), Upstream)
    threading.Thread(target=upstream.serve_forever, daemon=True).start()
    http, https = free_port(), free_port()
    conf = nginx_prefix(tmp_path, upstream=upstream.server_port, http=http, https=https)
    proc = subprocess.Popen([nginx, "-p", str(tmp_path), "-c", str(conf)], stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 10
        while not _listening(https):
            assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
            assert time.monotonic() < deadline, "nginx did not start"
            time.sleep(0.05)
        yield http, https
    finally:
        proc.terminate()
        proc.wait(10)
        upstream.shutdown()


def _listening(port: int) -> bool:
    try:
        http.client.HTTPConnection("127.0.0.1", port, timeout=0.2).connect()
        return True
    except OSError:
        return False


Answer = tuple[int, str, dict[str, str]]


def request(
    port: int, method: str, path: str, body: bytes | None = None, *, tls: bool = True,
    source: str = "127.0.0.1",
) -> Answer:  # fmt: skip
    if tls:
        ctx = ssl.create_default_context()
        ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE  # our throwaway certificate
        conn: http.client.HTTPConnection = http.client.HTTPSConnection(
            "127.0.0.1", port, timeout=5, context=ctx, source_address=(source, 0)
        )
    else:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5, source_address=(source, 0))
    conn.request(method, path, body=body, headers={"Host": "bot.example.gov.vn"})
    resp = conn.getresponse()
    text = resp.read().decode(errors="replace")
    conn.close()
    return resp.status, text, dict(resp.getheaders())


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("POST", "/webhook/zalo", 200),
        ("GET", "/webhook/zalo", 403),
        ("GET", "/healthz", 200),
        ("GET", "/healthz/details", 200),
        ("GET", "/", 200),
        ("GET", "/admin/", 200),
        ("GET", "/admin/static/admin.css", 200),
        ("GET", "/zalo/oauth/start", 200),
        ("GET", "/metrics", 200),
        ("GET", "/sandbox", 404),
        ("POST", "/sandbox/send", 404),
        ("GET", "/webhook/zalo/x", 404),
        ("GET", "/anything-else", 404),
    ],
)
def test_nginx_exposes_only_the_public_routes(
    site: tuple[int, int], method: str, path: str, status: int
) -> None:
    got, text, _ = request(site[1], method, path, b"{}" if method == "POST" else None)
    assert got == status
    if status == 200:
        assert text == f"upstream {path}"


def test_nginx_metrics_only_for_the_monitoring_addresses(site: tuple[int, int]) -> None:
    status, _, _ = request(site[1], "GET", "/metrics", source="127.0.0.9")
    assert status == 403
    assert request(site[1], "GET", "/healthz/details", source="127.0.0.9")[0] == 403
    assert request(site[1], "GET", "/healthz", source="127.0.0.9")[0] == 200


def test_nginx_redirects_http_and_limits_bodies(site: tuple[int, int]) -> None:
    status, _, headers = request(site[0], "GET", "/healthz?x=1", tls=False)
    assert status == 301
    assert headers["Location"] == "https://bot.example.gov.vn/healthz?x=1"
    assert request(site[1], "POST", "/webhook/zalo", b"x" * (1024 * 1024 + 1))[0] == 413


# --- systemd -------------------------------------------------------------------------------------


def test_systemd_units_verify(tmp_path: Path) -> None:
    analyze = tool("systemd-analyze", "systemd")
    venv_bin = Path(sys.executable).parent
    for unit in UNITS:
        text = (DEPLOY / "systemd" / unit).read_text()
        assert "/opt/nd-bot/.venv/bin/" in text
        (tmp_path / unit).write_text(text.replace("/opt/nd-bot/.venv/bin/", f"{venv_bin}/"))
    targets = [str(tmp_path / "nd-bot-web.service"), str(tmp_path / "nd-bot-worker@1.service")]
    done = run([analyze, "verify", "--man=no", *targets])
    ours = [line for line in (done.stdout + done.stderr).splitlines() if "nd-bot" in line]
    assert done.returncode == 0 and not ours, done.stdout + done.stderr


@pytest.mark.parametrize("unit", UNITS)
def test_systemd_units_keep_the_contract_and_hardening(unit: str) -> None:
    text = (DEPLOY / "systemd" / unit).read_text()
    for line in (
        "NoNewPrivileges=yes", "ProtectSystem=strict", "ProtectHome=yes", "PrivateTmp=yes",
        "CapabilityBoundingSet=", "SystemCallFilter=@system-service", "KillSignal=SIGTERM",
        "EnvironmentFile=/etc/nd-bot/env", "ReadWritePaths=/var/lib/nd-bot", "User=nd-bot",
    ):  # fmt: skip
        assert re.search(rf"^{re.escape(line)}$", text, re.M), line
    assert re.search(r"^RestrictAddressFamilies=.*AF_INET", text, re.M)
    assert re.search(r"^Restart=(always|on-failure)$", text, re.M)
    stop = int(re.search(r"^TimeoutStopSec=(\d+)$", text, re.M)[1])  # type: ignore[index]
    if "web" in unit:
        assert "gunicorn -c deploy/gunicorn.conf.py 'app:create_app()'" in text
        assert stop > 20  # gunicorn's graceful_timeout must fit inside
    else:
        assert "flask --app app worker" in text
        assert stop >= 60  # a few Zalo calls with retries and the shared throttle


# --- gunicorn ------------------------------------------------------------------------------------


def test_gunicorn_config_checks(tmp_path: Path) -> None:
    env = child_environment({"PORT": str(free_port()), "INSTANCE_PATH": str(tmp_path)})
    done = run(
        [sys.executable, "-m", "gunicorn", "--check-config", *CONTRACT_WEB[1:]], cwd=ROOT, env=env
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_gunicorn_config_values(tmp_path: Path) -> None:
    port = free_port()
    env = child_environment({"PORT": str(port), "INSTANCE_PATH": str(tmp_path)})
    done = run(
        [sys.executable, "-m", "gunicorn", "--print-config", *CONTRACT_WEB[1:]], cwd=ROOT, env=env
    )
    assert done.returncode == 0, done.stderr
    seen = dict(re.findall(r"^(\w+)\s+= (.*)$", done.stdout, re.M))
    assert seen["bind"] == f"['127.0.0.1:{port}']"
    assert float(seen["timeout"]) <= 30 and int(seen["graceful_timeout"]) < 30
    assert int(seen["max_requests"]) > 0 and int(seen["max_requests_jitter"]) > 0
    assert seen["forwarded_allow_ips"] == "['127.0.0.1', '::1']"
    assert "JsonAccessLogger" in seen["logger_class"]


def test_gunicorn_workers_freeze_the_loaded_app_out_of_garbage_collection(tmp_path: Path) -> None:
    # In a child: loading the config file forgets the bot's modules, as a reload must.
    code = (
        "import gc, runpy; conf = runpy.run_path('deploy/gunicorn.conf.py'); "
        "before = gc.get_freeze_count(); conf['post_worker_init'](None); "
        "print(before, gc.get_freeze_count())"
    )
    env = child_environment({"INSTANCE_PATH": str(tmp_path)})
    done = run([sys.executable, "-c", code], cwd=ROOT, env=env)
    assert done.returncode == 0, done.stderr
    before, after = map(int, done.stdout.split()[-2:])
    assert before == 0 and after > 1000


# --- redis ---------------------------------------------------------------------------------------


def redis_password() -> str:
    found = re.search(r"^requirepass (\S+)$", (DEPLOY / "redis.conf").read_text(), re.M)
    assert found, "redis.conf has no requirepass"
    return found[1]


def test_redis_config_starts_durable_and_protected(tmp_path: Path) -> None:
    server = tool("redis-server", "redis-server")
    port = free_port()
    args = [server, str(DEPLOY / "redis.conf"), "--port", str(port), "--dir", str(tmp_path)]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        client = redis.Redis(port=port, password=redis_password(), decode_responses=True)
        deadline = time.monotonic() + 10
        while True:
            try:
                assert client.ping()
                break
            except redis.ConnectionError:
                assert proc.poll() is None, "redis-server refused deploy/redis.conf"
                assert time.monotonic() < deadline, "redis-server did not start"
                time.sleep(0.05)
        config = client.config_get("*")
        assert config["appendonly"] == "yes"
        assert config["appendfsync"] == "everysec"
        assert config["maxmemory-policy"] == "noeviction"
        assert config["protected-mode"] == "yes"
        assert "127.0.0.1" in config["bind"]
        with pytest.raises(redis.AuthenticationError):
            redis.Redis(port=port).ping()
    finally:
        proc.terminate()
        proc.wait(10)


# --- env.example, Dockerfile, compose, scripts ---------------------------------------------------


def env_example() -> str:
    return (DEPLOY / "env.example").read_text()


def test_env_example_mentions_every_setting() -> None:
    text = env_example()
    missing = [o.env for o in OPTIONS.values() if not re.search(rf"^#?{o.env}=", text, re.M)]
    assert not missing, f"deploy/env.example does not document {missing}"


def test_env_example_marks_every_secret() -> None:
    lines = env_example().splitlines()
    for name in SECRET_NAMES & {o.env for o in OPTIONS.values()}:
        at = next(i for i, line in enumerate(lines) if re.match(rf"#?{name}=", line))
        comments = []
        for line in reversed(lines[:at]):
            if not line.startswith("#") or re.match(r"#[A-Z_]+=", line):
                break
            comments.append(line)
        assert any("[secret]" in c for c in comments), f"{name} is not marked [secret]"


def test_env_example_defaults_match_the_code() -> None:
    text = env_example()
    for opt in OPTIONS.values():
        shown = re.search(rf"^#{opt.env}=(.*)$", text, re.M)
        if shown:  # a commented line states the default
            assert shown[1] == opt.default, f"{opt.env}: env.example says {shown[1]!r}"


def test_dockerfile_runs_the_contract_as_a_non_root_user() -> None:
    text = (DEPLOY / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11-slim$", text, re.M)
    users = re.findall(r"^USER (\S+)$", text, re.M)
    assert users and users[-1] not in {"root", "0"}
    assert re.search(r"pip install --require-hashes --no-deps -r requirements\.lock", text)
    assert re.search(r"^HEALTHCHECK .*\n?.*/healthz", text, re.M)
    cmd = re.search(r"^CMD (\[.*\])$", text, re.M)
    assert cmd and yaml.safe_load(cmd[1]) == CONTRACT_WEB
    for line in re.findall(r"^COPY (.+) \S+$", text, re.M):
        for source in line.split():
            assert (ROOT / source).exists(), f"Dockerfile copies {source}, which is missing"


def test_compose_has_web_two_workers_and_durable_redis() -> None:
    spec = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = spec["services"]
    assert services["web"]["command"] == CONTRACT_WEB
    assert services["worker"]["command"] == ["flask", "--app", "app", "worker"]
    assert services["worker"]["deploy"]["replicas"] == 2
    for name in ("web", "worker", "redis"):
        assert services[name]["healthcheck"]["test"], name
        assert services[name]["env_file"] == "nd-bot.env", name
    volumes = services["redis"]["volumes"]
    assert "./redis.conf:/usr/local/etc/redis/redis.conf:ro" in volumes
    assert any(v.startswith("redis-data:") for v in volumes)
    assert "/usr/local/etc/redis/redis.conf" in " ".join(services["redis"]["command"])


@pytest.mark.parametrize("script", ["backup-redis.sh", "restore-redis.sh"])
def test_scripts_parse_and_are_executable(script: str) -> None:
    path = DEPLOY / script
    assert path.stat().st_mode & 0o111, f"{script} is not executable"
    done = run(["bash", "-n", str(path)])
    assert done.returncode == 0, done.stderr
