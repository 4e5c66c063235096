"""`make fuzz`: schemathesis against a running bonecare, over every operation of its OpenAPI spec, signed in as
her clinician and then as the patient, with every check (fuzz/schemathesis.toml says where a check expects more);
fails on any server error, response that breaks the spec, schema-valid request refused or invalid one accepted.

    .venv/bin/python fuzz/run.py [--seconds-per-role 140] [--workers 2]

The server runs under gunicorn on a free port with a fresh SQLite database; its log is printed when a run fails.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests import server, world  # noqa: E402

CHECKS = "all"
SETTINGS = Path(__file__).with_name("schemathesis.toml")


def _config(path: Path, headers: dict, per_operation: dict[str, dict]) -> Path:
    """A schemathesis.toml: fuzz/schemathesis.toml (the checks' settings), the caller's bearer token, and other
    tokens for the operations that take them (by "path", or "METHOD path" for one method of it)."""
    lines = [SETTINGS.read_text(), "[headers]", *(f"{k} = {json.dumps(v)}" for k, v in headers.items())]
    for operation, op_headers in per_operation.items():
        method, _, operation_path = operation.rpartition(" ")
        lines += ["", "[[operations]]", f"include-path = {json.dumps(operation_path)}"]
        lines += [f"include-method = {json.dumps(method)}"] if method else []
        lines += ["[operations.headers]", *(f"{k} = {json.dumps(v)}" for k, v in op_headers.items())]
    path.write_text("\n".join(lines) + "\n")
    return path


def _path_values(w: world.World, spec_paths, pid: str) -> dict:
    values = {}
    for path in spec_paths:
        try:
            values[path] = {**w.path_values(path), "pid": pid} if "{" in path else {}
        except KeyError as exc:
            print(f"note: {exc.args[0]}; its ids are fuzzed blind")
    return values


def _cursors(call, w: world.World, spec: dict) -> dict[str, str]:
    """A real cursor (the second page's) of every list that takes one and has two items, by spec path."""
    cursors = {}
    for path, item in spec["paths"].items():
        if any(p["name"] == "cursor" for p in item.get("get", {}).get("parameters", [])):
            url = path.replace("{pid}", w.patient.id)
            status, body = call(
                "GET", f"{url}?limit=1", w.patient.access if "{pid}" in path else w.clinician.access, None
            )
            if status == 200 and body.get("next_cursor"):
                cursors[path] = body["next_cursor"]
    return cursors


# Operations that sign an account out (all of it, or the session named), change its password or delete it: each is
# called with a throwaway account of the role's, so that the run's own session lives on (a deletion case that ever
# carried the right password deletes the throwaway, `me` for the patient; the clinician is refused whatever he sends).
SIGN_OUTS = (
    "/api/v1/auth/logout-all",
    "/api/v1/auth/password",
    "/api/v1/auth/sessions/{session_id}",
    "DELETE /api/v1/patients/{pid}",
)


def _throwaways(call, env: dict, role: str) -> dict[str, world.Account]:
    """A fresh account of this role for each of SIGN_OUTS, signed in."""
    accounts = {}
    for path in SIGN_OUTS:
        email = f"throwaway-{role}-{uuid.uuid4().hex[:8]}@example.org"
        if role == "patient":
            accounts[path] = world.register(call, email)
        else:
            accounts[path] = world.clinician(call, server.clinician_maker(env), email)
    return accounts


def _spare_session(call, account: world.Account) -> str:
    """The id of a second session of the account's (the one a DELETE of its sessions may sign out)."""
    spare = world.login(call, world.Account(account.id, account.email, account.role))
    status, body = call("GET", "/api/v1/auth/sessions", spare.access, None)
    assert status == 200, (status, body)
    return next(item["id"] for item in body["items"] if item["current"])


def _hooks_env(call, w: world.World, spec: dict, pid: str, throwaways: dict) -> dict:
    """What fuzz/hooks.py reads: the real path values (with this {pid}) and cursors."""
    values = _path_values(w, set(spec["paths"]), pid)
    sessions = "/api/v1/auth/sessions/{session_id}"
    values[sessions] = {"session_id": _spare_session(call, throwaways[sessions])}
    return {"FUZZ_PATH_VALUES": json.dumps(values), "FUZZ_CURSORS": json.dumps(_cursors(call, w, spec))}


def _fuzz(
    role: str, base: str, account: world.Account, spares: tuple, throwaways: dict, hooks_env: dict, args, workdir
):
    bearer = {"Authorization": f"Bearer {account.access}"}
    config = _config(
        workdir / f"{role}.toml",
        bearer,
        {
            # Sessions of their own: a spent refresh token revokes its whole session, and so does logout.
            "/api/v1/auth/refresh": {"Authorization": f"Bearer {spares[0].refresh}"},
            "/api/v1/auth/logout": {"Authorization": f"Bearer {spares[1].access}"},
            **{path: {"Authorization": f"Bearer {throwaways[path].access}"} for path in SIGN_OUTS},
        },
    )
    env = dict(os.environ, SCHEMATHESIS_HOOKS="fuzz.hooks", PYTHONPATH=str(ROOT), **hooks_env)
    command = [
        str(server.BIN / "schemathesis"),
        "--config-file",
        str(config),
        "run",
        f"{base}/api/openapi.json",
        "--checks",
        CHECKS,
        "--max-time",
        str(args.seconds_per_role),
        "--workers",
        str(args.workers),
        "--phases",
        "examples,coverage,fuzzing,stateful",
        "--generation-deterministic",
        "--suppress-health-check",
        "all",
        "--max-examples",
        str(args.max_examples),
    ]
    if args.report_dir:
        command += ["--report", "har", "--report-dir", str(Path(args.report_dir).resolve() / role)]
    print(f"\n== fuzzing as the {role}", flush=True)
    return subprocess.run(command, cwd=workdir, env=env, check=False).returncode  # its cache stays in workdir


def main() -> int:
    """Start the server, make the world, fuzz as each role; non-zero if any run failed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    # Each role's run shares these between the coverage, fuzzing and stateful phases (the last follows the links
    # schemathesis infers, e.g. POST then GET and DELETE of what it made, for use_after_free and the like).
    parser.add_argument("--seconds-per-role", type=int, default=140)
    parser.add_argument("--max-examples", type=int, default=50)
    parser.add_argument("--report-dir", help="keep every request and response there (HAR files), one folder per role")
    # One worker: hypothesis's lambda descriptions call ast.parse, which CPython 3.11 does not make thread-safe.
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bonecare-fuzz-") as tmp:
        workdir = Path(tmp)
        env = server.app_env(f"sqlite:///{workdir / 'fuzz.sqlite3'}")
        server.flask(env, "db", "upgrade")
        port = server.free_port()
        base = f"http://127.0.0.1:{port}"
        log = workdir / "server.log"
        with server.gunicorn("app:app", port, env, log, workers=1, threads=4):
            call = server.http_call(base)
            spec = call("GET", "/api/openapi.json", None, None)[1]
            spec_paths = set(spec["paths"])
            w = world.build(call, server.clinician_maker(env), spec_paths=spec_paths)
            spares = {
                role: tuple(world.login(call, world.Account("", getattr(w, role).email, role)) for _ in range(2))
                for role in ("patient", "clinician")
            }
            throwaways = {role: _throwaways(call, env, role) for role in ("patient", "clinician")}
            # Her clinician first: the patient's run may remove him from her care team.
            codes = {
                role: _fuzz(
                    role,
                    base,
                    getattr(w, role),
                    spares[role],
                    throwaways[role],
                    _hooks_env(call, w, spec, pid, throwaways[role]),
                    args,
                    workdir,
                )
                for role, pid in (("clinician", w.patient.id), ("patient", "me"))
            }
        errors = [line for line in log.read_text().splitlines() if "Traceback" in line or "ERROR" in line]
        if any(codes.values()) or errors:
            print("\n== server log\n" + log.read_text()[-20000:])
    verdicts = ", ".join(f"{role} {'failed' if code else 'passed'}" for role, code in codes.items())
    print(f"\nfuzz: {verdicts}")
    return 1 if any(codes.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
