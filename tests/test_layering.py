"""Dependencies point one way: pages -> ui -> slametrics. The engine never imports streamlit."""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def imported_modules(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_nothing_in_slametrics_imports_streamlit():
    files = sorted((ROOT / "slametrics").rglob("*.py"))
    assert files
    offenders = {str(f.relative_to(ROOT)): sorted(m for m in imported_modules(f) if m.split(".")[0] == "streamlit")
                 for f in files}
    assert not {f: m for f, m in offenders.items() if m}


def test_nothing_in_slametrics_imports_the_dashboard():
    for f in sorted((ROOT / "slametrics").rglob("*.py")):
        assert not {m for m in imported_modules(f) if m.split(".")[0] in ("ui", "pages", "dashboard")}, f


def test_ui_never_imports_pages():
    for f in sorted((ROOT / "ui").rglob("*.py")):
        assert not {m for m in imported_modules(f) if m.split(".")[0] in ("pages", "dashboard")}, f


def test_no_python_function_runs_inside_a_polars_expression():
    # a Python callback in polars' thread pool waits for the GIL, which a session thread converting a
    # frame may hold while it waits for that pool: ten sessions at once hung the server that way
    found = []
    for folder in ("slametrics", "ui", "pages"):
        for f in sorted((ROOT / folder).rglob("*.py")):
            for node in ast.walk(ast.parse(f.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Attribute) and node.attr in ("map_elements", "map_batches", "map_groups",
                                                                     "map_rows"):
                    found.append(f"{f.relative_to(ROOT)}:{node.lineno} {node.attr}")
    assert not found, found


def test_the_served_app_shows_no_traceback_and_listens_on_this_machine_only():
    import tomllib

    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["client"]["showErrorDetails"] == "none"
    assert config["server"]["address"] == "127.0.0.1"


def test_the_policy_package_has_no_cycle_the_model_imports_none_of_its_readers():
    package = ROOT / "slametrics" / "policy"
    uses = {f.stem: {m.rsplit(".", 1)[-1] for m in imported_modules(f) if m.startswith("slametrics.policy.")}
            for f in package.glob("*.py") if f.stem != "__init__"}
    assert set(uses) == {"model", "load", "check", "write", "tables"}
    assert uses["model"] == set()  # the model reads no file and validates nothing
    assert uses["check"] == {"model"} and uses["write"] == {"model"} and uses["tables"] == {"model"}
    assert uses["load"] <= {"model", "check"}
    assert not (ROOT / "slametrics" / "policy_check.py").exists()
