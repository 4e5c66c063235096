"""A reminders worker in its own process, for the multi-process tests:
python -m tests.reminders.worker_process DATABASE_URL NOW FCM_CREDENTIALS FCM_ENDPOINT"""

import json
import os
import sys
from datetime import datetime


def main(database_url: str, now: str, credentials: str, endpoint: str) -> None:
    """Dispatch everything due at `now` through FCM until nothing is left; print the counts."""
    os.environ.setdefault("BONECARE_SECRET_KEY", "worker-process-test-secret-key-long-enough")
    from bonecare import create_app
    from bonecare.reminders import worker
    from bonecare.reminders.push import http

    # The fake push service shares a loaded test machine; a client timeout would become a retry due after
    # this worker's fixed clock, so give it room: the test is about claims, not about slow networks.
    http.TIMEOUT_SECONDS = 60

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "BONECARE_PUSH_BACKEND": "fcm",
            "BONECARE_FCM_CREDENTIALS": credentials,
            "BONECARE_FCM_ENDPOINT": endpoint,
            "BONECARE_PUSH_ALLOWED_HOSTS": ["127.0.0.1"],  # the fake FCM listens on loopback
            "BONECARE_INLINE_WORKER": False,
        }
    )
    name = worker.worker_name(app)
    print(json.dumps({"ready": name}), flush=True)
    at = datetime.fromisoformat(now)
    total: dict = {}
    idle = 0
    while idle < 2:
        counts = worker.run_dispatch(app, at)
        for key, value in counts.items():
            total[key] = total.get(key, 0) + value
        idle = idle + 1 if not counts.get("claimed") else 0
    print(json.dumps({"worker": name, **total}), flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:5])
