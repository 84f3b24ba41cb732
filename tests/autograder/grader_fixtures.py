"""Fixtures shared by the grader's tests (imported by name where used): lesson 01's source and a warm zygote of it,
a throw-away PostgreSQL server."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from scratch_course import LESSON

from autograder.notebooks import cells_by_id, read
from autograder.sandbox import Limits
from autograder.verify import Zygote


@pytest.fixture(scope="module")
def source(root):
    return read(root / "source" / LESSON / f"{LESSON}.ipynb")


@pytest.fixture(scope="module")
def zygote(source, tmp_path_factory):
    zygote = Zygote(cells_by_id(source)["setup"].source, tmp_path_factory.mktemp("zygote"), Limits())
    yield zygote
    zygote.close(remove_workdir=True)


@pytest.fixture(scope="module")
def postgres_url():
    """A throw-away PostgreSQL server on a Unix socket (./course test installs the Debian package)."""
    initdb = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not initdb:
        pytest.fail("no PostgreSQL server: ./course test installs it (Debian package postgresql)")
    bin_dir = Path(initdb[-1]).parent
    base = Path(tempfile.mkdtemp(prefix="pg-"))
    base.chmod(0o755)
    data, sockets = base / "data", base / "sockets"
    sockets.mkdir()
    as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    if as_user:
        shutil.chown(base, "postgres")
        shutil.chown(sockets, "postgres")
    port = "54329"
    subprocess.run([*as_user, str(bin_dir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres"],
                   check=True, capture_output=True)
    subprocess.run([*as_user, str(bin_dir / "pg_ctl"), "-D", str(data), "-w", "-l", str(base / "log"), "-o",
                    f"-k {sockets} -p {port} -c listen_addresses=''", "start"], check=True, capture_output=True)
    try:
        subprocess.run([*as_user, str(bin_dir / "createdb"), "-h", str(sockets), "-p", port, "-U", "postgres",
                        "gradebook"], check=True, capture_output=True)
        yield f"postgresql://postgres@/gradebook?host={sockets}&port={port}"
    finally:
        subprocess.run([*as_user, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
                       capture_output=True)
        shutil.rmtree(base, ignore_errors=True)
