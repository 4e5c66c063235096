"""Erasing an account for good: every row that holds the user's id, found from the metadata (each foreign key to
`users.id`, in every table, children first), the reset e-mails asked for her address (which name no account),
then the user herself. A row of hers goes; a row of someone else's that names her (an invitation she spent, an
access-log entry she made) forgets her."""

from datetime import datetime

from sqlalchemy import delete, func, select, update

from bonecare.accounts.models import ResetRequest, User
from bonecare.database import locked
from bonecare.extensions import db


def references(metadata=None) -> list:
    """(column, whether the row outlives her) for every column with a foreign key to users.id, children's tables
    first: a SET NULL key is someone else's row naming her, any other is a row of hers."""
    metadata = metadata if metadata is not None else db.metadata
    users_id = User.__table__.c.id
    return [
        (fk.parent, fk.ondelete == "SET NULL")
        for table in reversed(metadata.sorted_tables)
        for fk in table.foreign_keys
        if fk.column is users_id
    ]


def erase(session, user: User) -> None:
    """Delete every row holding this user's id or address, and the user; the caller holds her row's lock and
    commits."""
    user_id = user.id
    for column, outlives in references():
        where = column == user_id
        if outlives:
            session.execute(update(column.table).where(where).values({column.name: None}))
        else:
            session.execute(delete(column.table).where(where))
    session.execute(delete(ResetRequest).where(func.lower(ResetRequest.email) == user.email))
    session.execute(delete(User).where(User.id == user_id).execution_options(synchronize_session=False))


def erase_due(session, now: datetime) -> int:
    """Erase every account whose deletion's grace has run out, each in its own transaction; answers how many.
    Any number of workers may run it at once: each takes the account's row lock and erases only an account
    still due (another worker's erasure leaves no row; a sign-in that cancelled leaves none due)."""
    due = session.scalars(select(User.id).where(User.erase_after <= now)).all()
    session.rollback()  # the read ends here: each erasure is a transaction of its own
    erased = 0
    for user_id in due:
        user = locked(session, User, User.id, user_id)
        if user is None or user.erase_after is None or user.erase_after > now:
            session.rollback()
            continue
        erase(session, user)
        session.commit()
        erased += 1
    return erased
