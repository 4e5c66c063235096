"""The queue of occurrences: claim the due ones atomically (any number of workers), return the claims of a
worker that died, and forget finished ones past the kept history."""

from datetime import datetime, timedelta

from sqlalchemy import delete, func, or_, select, update

from bonecare.reminders.models import TERMINAL_STATUSES, Occurrence

# How long a claim holds, by default, before `recover` gives it to another worker (the worker's is
# BONECARE_REMINDER_LEASE_SECONDS).
LEASE = timedelta(minutes=5)
BATCH = 200
PRUNE_AFTER = timedelta(days=90)
_T = Occurrence.__table__


def claim(engine, now: datetime, worker: str, limit: int = BATCH, lease: timedelta = LEASE) -> list:
    """Claim up to `limit` due occurrences for this worker in one atomic statement; returns their ids.
    PostgreSQL: UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED LIMIT n) RETURNING, the SELECT as a
    materialized CTE.
    SQLite: the same UPDATE … RETURNING inside BEGIN IMMEDIATE (SQLite has no SKIP LOCKED)."""
    postgres = engine.dialect.name == "postgresql"
    due = (
        select(_T.c.id)
        .where(
            _T.c.status == "pending",
            _T.c.due_at <= now,
            or_(_T.c.next_attempt_at.is_(None), _T.c.next_attempt_at <= now),
        )
        .order_by(_T.c.due_at)
        .limit(limit)
    )
    if postgres:
        due = due.with_for_update(skip_locked=True)
    # MATERIALIZED: the locking subquery runs once. Inlined as a semi-join, PostgreSQL may rescan it per row,
    # and each rescan skips the rows just claimed and hands out more than `limit`.
    due = due.cte("due").prefix_with("MATERIALIZED")
    stmt = (
        update(_T)
        .where(_T.c.id.in_(select(due.c.id)), _T.c.status == "pending")
        .values(status="claimed", claimed_by=worker, lease_until=now + lease, updated_at=now)
        .returning(_T.c.id)
    )
    if postgres:
        with engine.begin() as conn:
            return list(conn.execute(stmt).scalars())
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("BEGIN IMMEDIATE")
        try:
            ids = list(conn.execute(stmt).scalars())
        except BaseException:
            conn.exec_driver_sql("ROLLBACK")
            raise
        conn.exec_driver_sql("COMMIT")
        return ids


def recover(session, now: datetime) -> int:
    """Return the claims of workers whose lease ran out (they died or hung) to pending; the caller commits."""
    result = session.execute(
        update(Occurrence)
        .where(Occurrence.status == "claimed", Occurrence.lease_until < now)
        .values(status="pending", claimed_by=None, lease_until=None, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return max(result.rowcount or 0, 0)


def prune(session, now: datetime) -> int:
    """Delete finished occurrences older than the kept history; the caller commits."""
    result = session.execute(
        delete(Occurrence)
        .where(Occurrence.status.in_(TERMINAL_STATUSES), Occurrence.due_at < now - PRUNE_AFTER)
        .execution_options(synchronize_session=False)
    )
    return max(result.rowcount or 0, 0)


def depth(session, now: datetime) -> int:
    """How many occurrences are due by `now` and not yet sent (pending, retrying or claimed): the queue's depth."""
    due = select(func.count()).where(_T.c.status.in_(("pending", "claimed")), _T.c.due_at <= now)
    return session.scalar(due)
