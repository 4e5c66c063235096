"""gunicorn settings the app relies on; `gunicorn` reads this file from the working directory (the repo root)."""

from bonecare.web.transport import DRAIN_LIMIT


def pre_request(worker, req):
    """A declared body too long to drain: the 413 says `Connection: close`, since gunicorn will close after it."""
    length = next((value for name, value in req.headers if name == "CONTENT-LENGTH"), "")
    if length.isdigit() and int(length) > DRAIN_LIMIT:
        req.must_close = True


# gunicorn answers a longer request line itself, with a 414 in HTML, before the app can say what is wrong: allow
# its maximum (as nginx's 8 KiB header buffers do), so that a long query reaches the app and gets its problem.
limit_request_line = 8190
