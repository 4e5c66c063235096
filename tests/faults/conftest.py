"""Fixtures of the fault suite: a private PostgreSQL cluster (one per run, a fresh database per test) and the
app served by gunicorn against it."""

import os
import shutil
import subprocess
from contextlib import contextmanager

import pytest

from tests.faults.live import Client, Cluster, postgres_bin, unavailable
from tests.server import app_env, free_port, gunicorn


def pytest_collection_modifyitems(items):
    """postgres_only fault tests skip without BONECARE_TEST_DATABASE_URL, i.e. outside CI's PostgreSQL pass."""
    if os.environ.get("BONECARE_TEST_DATABASE_URL"):
        return
    for item in items:
        if "postgres_only" in item.keywords and "tests/faults/" in item.nodeid:
            item.add_marker(pytest.mark.skip(reason="needs PostgreSQL (BONECARE_TEST_DATABASE_URL)"))


@pytest.fixture(scope="session")
def cluster():
    """A PostgreSQL cluster of this run's own, with a migrated template database."""
    bindir = postgres_bin()
    if bindir is None:
        unavailable("no PostgreSQL server binaries (set BONECARE_PG_BIN to the directory of initdb)")
    if os.geteuid() == 0 and not shutil.which("runuser"):
        unavailable("running as root without runuser: initdb refuses root")
    cluster = Cluster(bindir)
    try:
        cluster.init()
    except subprocess.CalledProcessError as exc:
        cluster.destroy()
        unavailable(f"could not start a private PostgreSQL cluster: {exc.stderr.decode()[-300:]}")
    cluster.template = cluster.migrated_template()
    yield cluster
    cluster.destroy()


@pytest.fixture
def pg(cluster):
    """(cluster, the name of a fresh migrated database in it)."""
    return cluster, cluster.fresh_database(cluster.template)


@pytest.fixture
def serve(tmp_path):
    """serve(database_url, **env) as a context manager: the app under gunicorn, yielding (process, Client)."""

    @contextmanager
    def run(database_url: str, *, workers: int = 2, threads: int = 4, **extra: str):
        port = free_port()
        with gunicorn(
            "app:app", port, app_env(database_url, **extra), tmp_path / "gunicorn.log", workers=workers, threads=threads
        ) as process:
            yield process, Client(f"http://127.0.0.1:{port}")

    return run
