"""What becomes of a claimed occurrence, decided from plain values (no database, no network, no clock): before
the send — send it, or end it now (withdrawn, re-planned, expired, superseded, done, quiet hours); after the send
— sent (maybe late), retried later with backoff inside the grace window, or failed."""

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from bonecare.reminders.schedule import LATE_AFTER, backoff


@dataclass(frozen=True)
class Verdict:
    """The state a claimed occurrence goes to ("send" until it is sent), why, and for a "pending" one when:
    `due_at` when it moved to a later instant, `next_attempt_at` when a send is retried."""

    status: str
    reason: str | None = None
    due_at: datetime | None = None
    next_attempt_at: datetime | None = None
    late: bool = False


SEND = Verdict("send")
HANDED_BACK = Verdict("pending")  # a send not begun (slow batch, stopping worker): due again at once


@dataclass(frozen=True)
class Claim:
    """What the verdict knows of a claimed occurrence."""

    due_at: datetime
    grace: timedelta
    withdrawn: bool  # its rule was deleted or disabled, or its appointment cancelled
    planned_due: datetime | None  # when its source wants it now; None: that day no longer fires
    superseded: bool  # a later occurrence of the same rule is in the same batch
    done: bool  # the patient already did that day what it reminds her of
    quiet: bool  # now falls in her quiet hours


def before_send(claim: Claim, now: datetime) -> Verdict:
    """SEND, or the state the occurrence ends in (or moves to) without a send."""
    if claim.withdrawn:
        return Verdict("cancelled", "source withdrawn")
    if claim.planned_due != claim.due_at:  # the rule or her time zone changed since planning
        if claim.planned_due is not None and claim.planned_due > now:
            return Verdict("pending", due_at=claim.planned_due)
        return Verdict("cancelled", "re-planned")
    if now > claim.due_at + claim.grace:
        return Verdict("expired", "past its grace window")
    if claim.superseded:
        return Verdict("expired", "superseded by a later occurrence")
    if claim.done:
        return Verdict("skipped", "already done today")
    if claim.quiet:
        return Verdict("skipped", "quiet hours")
    return SEND


def after_send(
    claim: Claim,
    now: datetime,
    *,
    attempts: int,
    kind: str,
    detail: str | None,
    retry_after: timedelta | None,
    rng=random,
) -> Verdict:
    """The state after a send whose overall outcome was `kind` (ok, retry, dead, error) on attempt
    `attempts` + 1: a retry waits its backoff (at least the service's Retry-After) if that still lands inside
    the grace window, else the occurrence fails."""
    if kind == "ok":
        return Verdict("sent", detail, late=now - claim.due_at > LATE_AFTER)
    if kind == "retry":
        delay = backoff(attempts + 1, retry_after, rng)
        if now + delay <= claim.due_at + claim.grace:
            return Verdict("pending", detail, next_attempt_at=now + delay)
    return Verdict("failed", detail)
