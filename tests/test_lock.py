"""requirements.lock: the deploy's pinned, hashed dependencies agree with pyproject.toml."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from tests.conftest import ROOT

LOCK = ROOT / "requirements.lock"
PROJECT = "namdinh-vaccine-bot (pyproject.toml)"


@dataclass
class Pin:
    version: Version
    marker: str
    hashes: list[str] = field(default_factory=list)
    via: list[str] = field(default_factory=list)


def read_lock() -> dict[str, Pin]:
    """name → pin, from pip's requirements format with uv's `# via` annotations."""
    pins: dict[str, Pin] = {}
    current: Pin | None = None
    in_via = False
    for line in LOCK.read_text(encoding="utf-8").splitlines():
        stripped = line.strip().rstrip("\\").strip()
        if not line.startswith((" ", "#")) and stripped:
            spec, _, marker = stripped.partition(";")
            name, sep, version = spec.strip().partition("==")
            assert sep, f"not pinned with ==: {line}"
            current = pins[canonicalize_name(name)] = Pin(Version(version), marker.strip())
            in_via = False
        elif current is not None and stripped.startswith("--hash="):
            current.hashes.append(stripped.removeprefix("--hash="))
        elif current is not None and stripped.startswith("# via"):
            rest = stripped.removeprefix("# via").strip()
            current.via += [rest] if rest else []
            in_via = not rest
        elif current is not None and in_via and stripped.startswith("#   "):
            current.via.append(stripped.removeprefix("#").strip())
    return pins


def project_requirements() -> dict[str, Requirement]:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    reqs = [Requirement(r) for r in data["project"]["dependencies"]]
    return {canonicalize_name(r.name): r for r in reqs}


def test_the_locks_top_level_names_are_pyprojects_dependencies() -> None:
    top = {name for name, pin in read_lock().items() if PROJECT in pin.via}
    assert top == set(project_requirements())


@pytest.mark.parametrize("name", sorted(project_requirements()))
def test_each_dependency_is_pinned_inside_its_range(name: str) -> None:
    pins = read_lock()
    assert name in pins, f"{name} is in pyproject.toml but not in requirements.lock"
    requirement = project_requirements()[name]
    assert requirement.specifier.contains(pins[name].version, prereleases=True), (
        f"{name}=={pins[name].version} is outside pyproject.toml's {requirement.specifier}"
    )


def test_every_pin_has_sha256_hashes() -> None:
    pins = read_lock()
    assert len(pins) >= len(project_requirements())
    for name, pin in pins.items():
        assert pin.hashes, f"{name} has no hash"
        assert all(re.fullmatch(r"sha256:[0-9a-f]{64}", h) for h in pin.hashes), name


def test_the_deploy_installs_from_the_lock_with_hashes() -> None:
    dockerfile = (ROOT / "deploy" / "Dockerfile").read_text(encoding="utf-8")
    assert "COPY requirements.lock" in dockerfile
    assert re.search(r"pip install --require-hashes --no-deps -r requirements\.lock", dockerfile)
    assert not re.search(r"pip install \.", dockerfile)  # unpinned, unhashed resolution
    guide = (ROOT / "deploy" / "README.md").read_text(encoding="utf-8")
    assert "pip install --require-hashes --no-deps -r requirements.lock" in guide
