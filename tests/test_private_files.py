"""Files holding health data or the signing key are readable by their owner only, from the moment they exist."""

import os
import sys
from contextlib import contextmanager

from sqlalchemy import text

from bonecare import config, create_app
from bonecare.extensions import db

_watched: list = []  # audit hooks cannot be removed: the one hook below watches whatever this list names


def _watch(event, args):
    """Before any audited operation on a watched file (open, chmod, link...), note the file's mode if it exists."""
    for path, modes in _watched:
        if path.exists() and any(isinstance(a, str | os.PathLike) and os.fspath(a) == str(path) for a in args):
            modes.append(path.stat().st_mode & 0o777)


sys.addaudithook(_watch)


@contextmanager
def umask(mask: int):
    old = os.umask(mask)
    try:
        yield
    finally:
        os.umask(old)


def test_the_secret_key_file_is_never_readable_by_others(tmp_path, monkeypatch):
    monkeypatch.setattr(config, "INSTANCE_DIR", tmp_path)
    monkeypatch.delenv("BONECARE_SECRET_KEY", raising=False)
    key_file, modes = tmp_path / "secret_key", []
    _watched.append((key_file, modes))
    try:
        with umask(0o022):
            key = config.from_env()["SECRET_KEY"]
    finally:
        _watched.clear()
    assert len(key) >= 48 and config.from_env()["SECRET_KEY"] == key  # made once, then read back
    modes.append(key_file.stat().st_mode & 0o777)
    assert set(modes) == {0o600}
    assert os.listdir(tmp_path) == ["secret_key"]


def test_a_sqlite_database_and_its_wal_files_are_private(tmp_path):
    database = tmp_path / "bonecare.sqlite3"
    with umask(0o022):
        app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}"})
        with app.app_context():
            with db.engine.begin() as conn:
                conn.execute(text("CREATE TABLE note (body TEXT)"))
                conn.execute(text("INSERT INTO note VALUES ('private')"))
            files = sorted(p.name for p in tmp_path.iterdir())
            assert files == ["bonecare.sqlite3", "bonecare.sqlite3-shm", "bonecare.sqlite3-wal"]
            assert {oct(p.stat().st_mode & 0o777) for p in tmp_path.iterdir()} == {"0o600"}
            db.engine.dispose()


def test_an_existing_database_left_readable_is_made_private(tmp_path):
    database = tmp_path / "old.sqlite3"
    database.touch(mode=0o644)
    database.chmod(0o644)
    create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}"})
    assert database.stat().st_mode & 0o777 == 0o600
