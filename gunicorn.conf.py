"""gunicorn settings the app relies on; `gunicorn` reads this file from the working directory (the repo root)."""

from bonecare.web.transport import DRAIN_LIMIT


def pre_request(worker, req):
    """A declared body too long to drain: the 413 says `Connection: close`, since gunicorn will close after it."""
    length = next((value for name, value in req.headers if name == "CONTENT-LENGTH"), "")
    if length.isdigit() and int(length) > DRAIN_LIMIT:
        req.must_close = True
