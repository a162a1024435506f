"""The lock file is the install (SPEC §16): pyproject's ranges and the lock must agree, and the
environment the tests run in must be the one the lock describes."""

from __future__ import annotations

import re
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s\\;]+)", re.MULTILINE)


def _pins() -> dict[str, str]:
    text = (ROOT / "requirements.lock").read_text(encoding="utf-8")
    return {canonicalize_name(name): version for name, version in PIN.findall(text)}


def _declared() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    extras = project.get("optional-dependencies", {})
    return [Requirement(text) for text in [*project["dependencies"], *extras.get("dev", []), *extras.get("spark", [])]]


def test_every_declared_dependency_is_pinned_within_its_range():
    pins = _pins()
    wrong = []
    for requirement in _declared():
        version = pins.get(canonicalize_name(requirement.name))
        if version is None:
            wrong.append(f"{requirement.name}: not in requirements.lock")
        elif not requirement.specifier.contains(version, prereleases=True):
            wrong.append(f"{requirement.name}: lock has {version}, pyproject wants {requirement.specifier}")
    assert not wrong, "pyproject.toml and requirements.lock disagree (run `make lock`): " + "; ".join(wrong)


def test_every_pin_carries_a_hash():
    """pip installs with --require-hashes: a pin without its hash would stop the install."""
    blocks = re.split(r"\n(?=[A-Za-z0-9])", (ROOT / "requirements.lock").read_text(encoding="utf-8"))
    unhashed = [b.split("==")[0] for b in blocks if PIN.match(b) and "--hash=sha256:" not in b]
    assert not unhashed


def test_the_environment_is_the_lock():
    """A stale .venv (installed before the lock changed) is caught here, not by a puzzling failure."""
    pins = _pins()
    drift = {}
    for dist in metadata.distributions():
        name = canonicalize_name(dist.metadata["Name"])
        if name in pins and dist.version != pins[name]:
            drift[name] = (dist.version, pins[name])
    assert not drift, f"installed versions differ from requirements.lock (installed, locked): {drift}"
