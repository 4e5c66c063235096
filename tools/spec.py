"""The OpenAPI document the app serves at /api/openapi.json, written to a file without a running server:

    .venv/bin/python tools/spec.py build/clients/openapi.json

The app is built on an in-memory SQLite database with a throwaway key, so nothing is read or left on disk.
"""

import json
import os
import secrets
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def spec() -> dict:
    """The document as a client fetches it."""
    os.environ.setdefault("BONECARE_SECRET_KEY", secrets.token_urlsafe(48))  # no instance/secret_key is made
    os.environ.setdefault("DATABASE_URL", "sqlite://")
    from bonecare import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "BONECARE_INLINE_WORKER": False})
    response = app.test_client().get("/api/openapi.json")
    if response.status_code != 200:
        raise SystemExit(f"GET /api/openapi.json answered {response.status_code}")
    return response.get_json()


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    path = Path(argv[0])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(spec(), indent=2, sort_keys=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
