"""`make clients`: the OpenAPI document through the real client generators, failing on anything unclean.

    .venv/bin/python tools/clients.py [OUT]      (OUT defaults to build/clients, which git ignores)

It writes OUT/openapi.json without a running server (tools/spec.py), then checks, and exits 1 on any failure:
- every operation has an operationId;
- Redocly's recommended ruleset reports no error (its warnings are listed);
- openapi-python-client (requirements-dev.txt) writes OUT/python/bonecare_client with no warning, no class or
  file named after a nullable-union artefact (`Type0`, `type_1`…), and every module of it imports;
- openapi-typescript (package.json) writes OUT/typescript/bonecare.d.ts with no warning, and tsc --strict
  compiles tools/usage.ts against it.
The Node tools are the ones `npm ci` put in node_modules/.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import spec as spec_module

ROOT = Path(__file__).resolve().parent.parent
NODE_BIN = ROOT / "node_modules" / ".bin"
VENV_BIN = Path(sys.executable).parent
METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
ARTEFACT = re.compile(r"Type\d+|type_\d+")  # what a generator names the members of a union it could not name
PACKAGE = "bonecare_client"
PYTHON_CLIENT_CONFIG = ROOT / "tools" / "openapi-python-client.yml"
# What openapi-typescript prints on a run with nothing to say; any other line is a warning.
QUIET_TS = re.compile(r"^(✨ openapi-typescript [\d.]+|🚀 .* → .*)$")
NODE_ENV = {"REDOCLY_TELEMETRY": "off", "REDOCLY_SUPPRESS_UPDATE_NOTICE": "true", "NO_COLOR": "1"}


def run(command: list, **kwargs) -> subprocess.CompletedProcess:
    """A command's result, its output as text (stdout and stderr apart)."""
    return subprocess.run(command, capture_output=True, text=True, check=False, cwd=ROOT, **kwargs)


def operation_ids(document: dict) -> tuple[list[str], dict]:
    """Each operation named, and only once."""
    operations = [(path, method, op) for path, item in document["paths"].items() for method, op in item.items()]
    operations = [(path, method, op) for path, method, op in operations if method in METHODS]
    missing = [
        f"{method.upper()} {path} has no operationId" for path, method, op in operations if "operationId" not in op
    ]
    ids = [op["operationId"] for _, _, op in operations if "operationId" in op]
    twice = [f"operationId {name} is used twice" for name in sorted({i for i in ids if ids.count(i) > 1})]
    return missing + twice, {"operations": len(operations)}


def redocly(spec_path: Path) -> tuple[list[str], dict]:
    """Redocly's recommended ruleset: each error is a failure; the warnings are printed."""
    command = [NODE_BIN / "redocly", "lint", "--extends", "recommended", "--format", "json", spec_path]
    result = run(command, env=os.environ | NODE_ENV)
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError:
        return [f"redocly lint did not answer JSON (exit {result.returncode}):\n{result.stdout}{result.stderr}"], {}
    lines = {"error": [], "warn": []}
    for problem in report["problems"]:
        where = problem["location"][0]["pointer"] if problem.get("location") else ""
        lines.setdefault(problem["severity"], []).append(f"{problem['ruleId']}: {problem['message']} {where}")
    totals = report["totals"]
    figures = {"errors": totals["errors"], "warnings": totals["warnings"]}
    return lines["error"], figures | {"listed": [f"warning {line}" for line in lines["warn"]]}


def python_client(spec_path: Path, out: Path) -> tuple[list[str], dict]:
    """openapi-python-client: no warning, no artefact name, and every generated module imports."""
    package = out / PACKAGE
    command = [VENV_BIN / "openapi-python-client", "generate", "--path", spec_path, "--output-path", package]
    command += ["--meta", "none", "--overwrite", "--fail-on-warning", "--config", PYTHON_CLIENT_CONFIG]
    # Its post-hooks run ruff, which is on the virtualenv's PATH.
    result = run(command, env=os.environ | {"PATH": f"{VENV_BIN}{os.pathsep}{os.environ['PATH']}"})
    said = [line for line in (result.stdout + result.stderr).splitlines() if line and not line.startswith("Generating")]
    failures = [f"openapi-python-client said: {line}" for line in said]
    if result.returncode:
        failures.append(f"openapi-python-client exited {result.returncode}")
    if not package.is_dir():
        return failures or ["openapi-python-client wrote no package"], {}
    sources = sorted(package.rglob("*.py"))
    classes = {path: re.findall(r"^class (\w+)", path.read_text(), re.MULTILINE) for path in sources}
    files = [str(path.relative_to(out)) for path in sources if ARTEFACT.search(path.stem)]
    artefacts = [name for names in classes.values() for name in names if ARTEFACT.search(name)]
    failures += [f"a nullable-union artefact in the Python client: {name}" for name in artefacts + files]
    modules = [".".join(path.relative_to(out).with_suffix("").parts) for path in sources]
    modules = [name.removesuffix(".__init__") for name in modules]
    imported = run(
        [sys.executable, "-c", f"import importlib\nfor m in {modules!r}: importlib.import_module(m)"],
        env=os.environ | {"PYTHONPATH": str(out)},
    )
    if imported.returncode:
        failures.append(f"the Python client does not import:\n{imported.stderr}")
    models = [name for path, names in classes.items() if path.parent.name == "models" for name in names]
    figures = {"model classes": len(models), "Type0-like classes": len(artefacts), "files": len(files)}
    return failures, figures | {"warning lines": len(said)}


def typescript(spec_path: Path, out: Path) -> tuple[list[str], dict]:
    """openapi-typescript with no warning, then tsc --strict over the usage file."""
    out.mkdir(parents=True, exist_ok=True)
    types = out / "bonecare.d.ts"
    result = run([NODE_BIN / "openapi-typescript", spec_path, "--output", types], env=os.environ | NODE_ENV)
    said = [line.strip() for line in (result.stdout + result.stderr).splitlines() if line.strip()]
    failures = [f"openapi-typescript said: {line}" for line in said if not QUIET_TS.match(line)]
    if result.returncode or not types.is_file():
        return [*failures, f"openapi-typescript exited {result.returncode}"], {}
    usage = shutil.copy(ROOT / "tools" / "usage.ts", out / "usage.ts")
    options = ["--strict", "--noEmit", "--target", "es2022", "--module", "esnext", "--moduleResolution", "bundler"]
    compiled = run([NODE_BIN / "tsc", *options, usage])
    if compiled.returncode:
        failures.append(f"tsc --strict failed on tools/usage.ts:\n{compiled.stdout}{compiled.stderr}")
    warnings = len(said) - sum(bool(QUIET_TS.match(line)) for line in said)
    return failures, {"warning lines": warnings, "tsc": "clean" if not compiled.returncode else "errors"}


def versions() -> dict:
    """The generators' versions, as installed."""
    npm = {
        name: json.loads((ROOT / "node_modules" / name / "package.json").read_text())["version"]
        for name in ("@redocly/cli", "openapi-typescript", "typescript")
    }
    python = run([VENV_BIN / "openapi-python-client", "--version"]).stdout.split()[-1]
    return {"openapi-python-client": python, **npm}


def main(argv: list[str]) -> int:
    out = Path(argv[0] if argv else ROOT / "build" / "clients").resolve()
    if not (NODE_BIN / "redocly").exists():
        print("node_modules/ has no redocly: run `make clients` (it runs npm ci first)", file=sys.stderr)
        return 1
    out.mkdir(parents=True, exist_ok=True)
    spec_path = out / "openapi.json"
    document = spec_module.spec()
    spec_path.write_text(json.dumps(document, indent=2) + "\n")
    print(f"spec: {spec_path} ({', '.join(f'{k} {v}' for k, v in versions().items())})")
    steps = {
        "operationIds": lambda: operation_ids(document),
        "redocly lint (recommended)": lambda: redocly(spec_path),
        "openapi-python-client": lambda: python_client(spec_path, out / "python"),
        "openapi-typescript + tsc --strict": lambda: typescript(spec_path, out / "typescript"),
    }
    failed = []
    for name, step in steps.items():
        started = time.monotonic()
        failures, figures = step()
        listed = figures.pop("listed", [])
        figures_text = ", ".join(f"{key}: {value}" for key, value in figures.items())
        print(f"{'FAIL' if failures else 'ok'}  {name} ({figures_text}) {time.monotonic() - started:.1f}s", flush=True)
        for line in [*failures, *listed]:
            print(f"  - {line}")
        failed += [name] * bool(failures)
    if failed:
        print(f"clients: FAILED: {', '.join(failed)}", file=sys.stderr)
        return 1
    print(f"clients: clean, in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
