"""The guidance is pure: no Flask, no database, no other bonecare package."""

import ast
import sys
from pathlib import Path


def _imports(path: Path) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            modules |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            modules.add(node.module)
    return modules


def test_the_guidance_is_pure_it_imports_only_itself_the_standard_library_and_marshmallow():
    package = Path(__file__).parents[2] / "bonecare" / "guidance"
    for path in package.rglob("*.py"):
        for module in _imports(path):
            top = module.split(".")[0]
            allowed = module.startswith("bonecare.guidance") or top == "marshmallow" or top in sys.stdlib_module_names
            assert allowed, f"{path.relative_to(package)} imports {module}"
