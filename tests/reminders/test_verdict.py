"""The verdict on a claimed occurrence, as a table: plain values in, the state it goes to out."""

from dataclasses import replace
from datetime import timedelta

import pytest

from bonecare.reminders.verdict import SEND, Claim, Verdict, after_send, before_send
from tests.reminders.conftest import at

DUE = at("2026-03-10T08:00:00Z")
ON_TIME = Claim(
    due_at=DUE,
    grace=timedelta(hours=2),
    withdrawn=False,
    planned_due=DUE,
    superseded=False,
    done=False,
    quiet=False,
)


@pytest.mark.parametrize(
    ("changes", "now", "expected"),
    [
        ({}, "08:00:00", SEND),
        ({}, "09:59:59", SEND),  # late, still inside the grace window
        ({}, "10:00:01", Verdict("expired", "past its grace window")),
        ({"superseded": True}, "08:00:00", Verdict("expired", "superseded by a later occurrence")),
        ({"done": True}, "08:00:00", Verdict("skipped", "already done today")),
        ({"quiet": True}, "08:00:00", Verdict("skipped", "quiet hours")),
        ({"withdrawn": True}, "08:00:00", Verdict("cancelled", "source withdrawn")),
        ({"withdrawn": True, "planned_due": None}, "11:00:00", Verdict("cancelled", "source withdrawn")),
        ({"planned_due": None}, "08:00:00", Verdict("cancelled", "re-planned")),  # that weekday was dropped
        (
            {"planned_due": at("2026-03-10T11:00:00Z")},  # her zone moved west: later today
            "08:00:00",
            Verdict("pending", due_at=at("2026-03-10T11:00:00Z")),
        ),
        ({"planned_due": at("2026-03-10T07:00:00Z")}, "08:00:00", Verdict("cancelled", "re-planned")),  # now past
        # first reason wins: expired before done, done before quiet hours
        ({"done": True}, "10:30:00", Verdict("expired", "past its grace window")),
        ({"done": True, "quiet": True}, "08:00:00", Verdict("skipped", "already done today")),
    ],
)
def test_before_send(changes, now, expected):
    assert before_send(replace(ON_TIME, **changes), at(f"2026-03-10T{now}Z")) == expected


class Highest:
    """A random source at its ceiling: the backoff is its full upper bound."""

    def random(self):
        return 1.0


@pytest.mark.parametrize(
    ("now", "attempts", "kind", "retry_after", "expected"),
    [
        ("08:00:30", 0, "ok", None, Verdict("sent")),
        ("08:01:00", 0, "ok", None, Verdict("sent")),  # a minute late is on time
        ("08:01:01", 0, "ok", None, Verdict("sent", late=True)),
        ("08:00:00", 0, "retry", None, Verdict("pending", "503", next_attempt_at=at("2026-03-10T08:00:30Z"))),
        ("08:00:00", 2, "retry", None, Verdict("pending", "503", next_attempt_at=at("2026-03-10T08:02:00Z"))),
        ("08:00:00", 0, "retry", 600, Verdict("pending", "503", next_attempt_at=at("2026-03-10T08:10:00Z"))),
        ("09:59:50", 0, "retry", None, Verdict("failed", "503")),  # the retry would land past the grace window
        ("08:00:00", 0, "retry", 7201, Verdict("failed", "503")),  # Retry-After beyond the grace window
        ("08:00:00", 0, "error", None, Verdict("failed", "503")),
        ("08:00:00", 0, "dead", None, Verdict("failed", "503")),
    ],
)
def test_after_send(now, attempts, kind, retry_after, expected):
    detail = None if kind == "ok" else "503"
    wait = timedelta(seconds=retry_after) if retry_after else None
    verdict = after_send(
        ON_TIME,
        at(f"2026-03-10T{now}Z"),
        attempts=attempts,
        kind=kind,
        detail=detail,
        retry_after=wait,
        rng=Highest(),
    )
    assert verdict == expected
