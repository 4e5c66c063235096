"""`flask reminders run | tick | vapid-keys`."""

import json
import signal
import time
from datetime import UTC, datetime

import click
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from flask import current_app
from flask.cli import AppGroup

from bonecare.accounts.mail import mailer_for
from bonecare.reminders import worker
from bonecare.reminders.endpoints import b64url
from bonecare.reminders.push import backend_for

cli = AppGroup("reminders", help="The reminders worker.")


@cli.command("run")
def run():
    """Run the reminders worker until stopped (plan, dispatch, recover, prune, mail)."""
    app = current_app._get_current_object()
    try:
        backend_for(app)  # a push setting missing or wrong stops the worker here, not every dispatch run after
        mailer_for(app.config)
    except (RuntimeError, ValueError) as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"reminders worker {worker.worker_name(app)} starting")
    stopping = worker.stopping(app)
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stopping.set())
    worker.start(app)
    while not stopping.is_set():  # polled: a signal handler must not meet this thread inside Event.wait's lock
        time.sleep(0.2)
    worker.stop(app)
    click.echo("reminders worker stopped")


def _instant(_ctx, _param, value):
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise click.BadParameter("must be an ISO 8601 instant") from exc
    if parsed.tzinfo is None:
        raise click.BadParameter("must carry a UTC offset (e.g. 2026-03-08T13:00:00Z)")
    return parsed.astimezone(UTC)


@cli.command("tick")
@click.option("--now", callback=_instant, help="Act as if the clock read this ISO 8601 instant.")
def tick(now):
    """One pass: plan and send everything due by --now; prints a JSON summary."""
    click.echo(json.dumps(worker.tick(current_app._get_current_object(), now)))


@cli.command("vapid-keys")
def vapid_keys():
    """Print a fresh VAPID key pair (private: base64url raw 32 bytes; public: applicationServerKey form)."""
    key = ec.generate_private_key(ec.SECP256R1())
    private = b64url(key.private_numbers().private_value.to_bytes(32, "big"))
    public = b64url(
        key.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    )
    click.echo(json.dumps({"private_key": private, "public_key": public}))
