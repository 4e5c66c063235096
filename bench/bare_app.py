"""The yardstick of `make bench`: bare Flask under the same gunicorn settings, parsing a JSON body and answering
JSON, with no database, no auth and no validation; bonecare's throughput is given as a fraction of this."""

from flask import Flask, jsonify, request

app = Flask(__name__)


@app.get("/healthz")
def healthz():
    """Liveness, as bonecare's, so the benchmark waits on both the same way."""
    return jsonify(status="ok")


@app.post("/echo")
def echo():
    """Parse the JSON body and answer it back, with one field added."""
    body = request.get_json()
    return jsonify({**body, "received": True}), 201


@app.get("/echo")
def echo_get():
    """A small JSON answer to a GET."""
    return jsonify(status="ok", items=[])
