"""`.ci/system-packages`, which `make test` and `.ci/run` run before pytest."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from tests.conftest import ROOT

SCRIPT = ROOT / ".ci" / "system-packages"
FILES = {
    "redis-server": "usr/bin/redis-server",
    "nginx-light": "usr/sbin/nginx",
    "systemd": "usr/bin/systemd-analyze",
    "openssl": "usr/bin/openssl",
    "chromium": "usr/bin/chromium",
    "fonts-noto-color-emoji": "usr/share/fonts/truetype/noto/NotoColorEmoji.ttf",
}


def machine(tmp_path: Path, *, uid: int, installed: set[str], apt_installs: bool = True) -> Path:
    """A file tree with `installed` present, plus `id` and `apt-get` stand-ins on PATH."""
    root, bin_dir = tmp_path / "root", tmp_path / "bin"
    bin_dir.mkdir()
    for package in installed:
        make_file(root / FILES[package])
    (bin_dir / "id").write_text(f"#!/bin/sh\necho {uid}\n")
    creates = "".join(
        f'  {package}) mkdir -p "$(dirname "$SYSTEM_ROOT/{path}")"; touch "$SYSTEM_ROOT/{path}";;\n'
        for package, path in FILES.items()
    )
    (bin_dir / "apt-get").write_text(
        "#!/bin/bash\n"
        f'echo "$*" >> "{tmp_path}/apt.log"\n'
        + (f'for p in "$@"; do case "$p" in\n{creates}esac; done\n' if apt_installs else "")
    )
    for tool in bin_dir.iterdir():
        tool.chmod(0o755)
    return root


def make_file(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch()


def run(tmp_path: Path, root: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "SYSTEM_ROOT": str(root),
        "PATH": f"{tmp_path / 'bin'}:{os.environ['PATH']}",
    }
    return subprocess.run([str(SCRIPT)], env=env, capture_output=True, text=True, timeout=30)


def apt_calls(tmp_path: Path) -> list[str]:
    log = tmp_path / "apt.log"
    return log.read_text().splitlines() if log.exists() else []


def test_without_root_it_stops_at_once_with_the_exact_command(tmp_path: Path) -> None:
    root = machine(tmp_path, uid=1000, installed={"redis-server", "openssl", "systemd"})
    done = run(tmp_path, root)
    assert done.returncode == 1
    line = "apt-get install -y --no-install-recommends nginx-light chromium fonts-noto-color-emoji"
    assert f"sudo apt-get update && sudo {line}" in done.stderr
    assert apt_calls(tmp_path) == []


def test_as_root_it_installs_only_what_is_missing(tmp_path: Path) -> None:
    root = machine(tmp_path, uid=0, installed={"redis-server", "openssl", "systemd", "chromium"})
    done = run(tmp_path, root)
    assert done.returncode == 0, done.stderr
    assert apt_calls(tmp_path) == [
        "update -qq",
        "install -y -qq --no-install-recommends nginx-light fonts-noto-color-emoji",
    ]
    assert all((root / path).exists() for path in FILES.values())


def test_nothing_missing_means_no_apt_get_at_all(tmp_path: Path) -> None:
    root = machine(tmp_path, uid=0, installed=set(FILES))
    assert run(tmp_path, root).returncode == 0
    assert apt_calls(tmp_path) == []


def test_an_install_that_leaves_something_missing_fails(tmp_path: Path) -> None:
    root = machine(tmp_path, uid=0, installed=set(FILES) - {"chromium"}, apt_installs=False)
    done = run(tmp_path, root)
    assert done.returncode == 1
    assert "Still missing after apt-get: chromium" in done.stderr


def test_make_test_and_ci_run_both_use_it_before_pytest() -> None:
    recipe = (ROOT / "Makefile").read_text().split("\ntest:", 1)[1].split("\n\n", 1)[0]
    steps = [line.strip() for line in recipe.splitlines()[1:]]
    assert steps[0] == "./.ci/system-packages"
    assert "TEST_REDIS=cluster" in recipe  # the Redis Cluster stage still runs
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make test" in ci and "apt-get" not in ci  # one place installs: the script
    readme = (ROOT / "README.md").read_text()
    assert all(package in readme for package in FILES)
