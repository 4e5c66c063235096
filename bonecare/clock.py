""" "Now", injectable, so that tests and `reminders tick --now` can move time."""

from datetime import UTC, datetime

from flask import current_app


class SystemClock:
    """The real clock, in UTC."""

    def now(self) -> datetime:
        """The current instant, timezone-aware UTC."""
        return datetime.now(UTC)


class FixedClock:
    """A clock that reads what it is told; tests and `tick --now` move it."""

    def __init__(self, at: datetime):
        self.at = at

    def now(self) -> datetime:
        """The instant this clock was set to."""
        return self.at


def now() -> datetime:
    """The current instant according to the app's clock."""
    return current_app.extensions["bonecare.clock"].now()
