"""The environment check that every lesson's setup cell prints in one line."""

from __future__ import annotations

import importlib
import platform
from pathlib import Path

PACKAGES = ("numpy", "torch", "matplotlib", "ipywidgets", "nbgrader")
REQUIREMENTS = Path(__file__).resolve().parent.parent / "requirements.txt"


def pinned_versions(path: Path = REQUIREMENTS) -> dict[str, str]:
    """{package: version} for every `name==version` line of requirements.txt."""
    pins = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if "==" in line:
            name, version = line.split("==", 1)
            pins[name.strip().lower()] = version.strip()
    return pins


def check_environment(packages=PACKAGES) -> str:
    """One line: the versions in use, and any package that is missing or differs from the course's pins."""
    pins = pinned_versions() if REQUIREMENTS.exists() else {}
    found, problems = [], []
    for name in packages:
        try:
            version = importlib.import_module(name).__version__.split("+")[0]
        except ImportError:
            problems.append(f"{name} is missing")
            continue
        found.append(f"{name} {version}")
        if name in pins and pins[name] != version:
            problems.append(f"{name} {version} differs from the course's {pins[name]}")
    verdict = "Environment OK" if not problems else "Environment problem: " + "; ".join(problems)
    line = f"{verdict} (Python {platform.python_version()}, {', '.join(found)})"
    print(line)
    return line
