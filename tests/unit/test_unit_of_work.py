"""SQLite transactions: writers take the lock up front, read-only units of work do not."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from app.store.db import UnitOfWork, make_engine


def test_a_read_goes_on_while_a_writer_holds_the_lock(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'uow.db'}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (v INTEGER)"))
        connection.execute(text("INSERT INTO t VALUES (1)"))
    uow = UnitOfWork(engine)
    with uow() as writer:
        writer.execute(text("UPDATE t SET v = 2"))  # holds the write lock, not committed
        with uow.read() as reader:
            assert reader.scalar(text("SELECT v FROM t")) == 1
        writer.commit()
    with uow.read() as reader:
        assert reader.scalar(text("SELECT v FROM t")) == 2
    engine.dispose()
