"""The send step of a batch: one occurrence's message to every device of the patient's on the back-end."""

from datetime import datetime, timedelta

from bonecare.reminders.models import SNOOZE
from bonecare.reminders.push.base import Backend, Message

# Generic titles only, like the words: a button names no drug or dose.
_DONE, _SNOOZE = ("done", "Done"), ("snooze", "Remind me later")
# The kind a payload names: a push service may read it, and "dxa" would tell of a bone scan.
_PAYLOAD_KIND = {"dxa": "appointment"}


def actions_for(occurrence) -> tuple:
    """The buttons a notification offers: `done` for a rule's (not for an appointment's), `snooze` unless it is
    itself the one snooze allowed."""
    done = (_DONE,) if occurrence.kind != "dxa" else ()
    return done + ((_SNOOZE,) if not occurrence.key.startswith(SNOOZE) else ())


def message_for(occurrence, deadline: datetime, now: datetime) -> Message:
    """What an occurrence sends, useful (its TTL) until its grace window ends, a minute at least."""
    ttl = max(int((deadline - now).total_seconds()), 60)
    return Message(
        str(occurrence.id),
        occurrence.key,
        occurrence.title,
        occurrence.body,
        ttl,
        _PAYLOAD_KIND.get(occurrence.kind, occurrence.kind),
        actions_for(occurrence),
    )


def deliver(backend: Backend, message: Message, devices: list) -> tuple[str, str | None, timedelta | None, list]:
    """Send to every device: (overall kind, error, retry-after, dead device ids). One device reached is enough;
    else a retry if any asked for one."""
    if not backend.platforms:
        outcome = backend.send(None, message)
        return outcome.kind, outcome.detail or None, outcome.retry_after, []
    if not devices:
        return "error", "no active device", None, []
    kinds, errors, waits, dead = set(), [], [], []
    for device in devices:
        outcome = backend.send(device, message)
        kinds.add(outcome.kind)
        if outcome.kind == "dead":
            dead.append(device.id)
        if outcome.detail:
            errors.append(outcome.detail)
        if outcome.retry_after:
            waits.append(outcome.retry_after)
    overall = "ok" if "ok" in kinds else "retry" if "retry" in kinds else "error"
    return overall, "; ".join(errors)[:300] or None, max(waits) if waits else None, dead
