"""The import-linter contracts say what they check (pyproject.toml)."""

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _contracts() -> list[dict]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return config["tool"]["importlinter"]["contracts"]


def test_each_forbidden_contract_names_exactly_the_modules_it_forbids():
    forbidden = [c for c in _contracts() if c["name"].startswith("Other apps never import")]
    assert len(forbidden) == 8
    for contract in forbidden:
        named = re.search(r"the (\w+) app's interfaces \(([^)]*)\)", contract["name"])
        assert named, contract["name"]
        app, listed = named.group(1), [n.strip() for n in named.group(2).split(",")]
        assert contract["forbidden_modules"] == [f"wijkregie.{app}.{n}" for n in listed]
        assert f"wijkregie.{app}" not in contract["source_modules"]


def test_the_only_other_forbidden_contract_keeps_apps_off_the_job_task():
    others = [
        c
        for c in _contracts()
        if c["type"] == "forbidden" and not c["name"].startswith("Other apps never import")
    ]
    assert [c["forbidden_modules"] for c in others] == [["wijkregie.core.tasks"]]
    assert "core.jobs" in others[0]["name"]


def test_the_layers_inside_each_app_put_tasks_below_services():
    (inside,) = [c for c in _contracts() if c["name"].startswith("Inside each app")]
    layers = [layer.replace("(", "").replace(")", "") for layer in inside["layers"]]
    order = [name.strip() for layer in layers for name in layer.split("|")]
    assert order.index("services") < order.index("tasks") < order.index("selectors")
    assert order[-1] == "models"
    named = [
        [n.strip() for n in layer.split(",")]
        for layer in inside["name"].split(":", 1)[1].split(">")
    ]
    assert named == [[n.strip() for n in layer.split("|")] for layer in layers]
    assert set(inside["containers"]) == {
        "wijkregie.core",
        "wijkregie.partners",
        "wijkregie.places",
        "wijkregie.residents",
        "wijkregie.reports",
        "wijkregie.cases",
        "wijkregie.communications",
        "wijkregie.outreach",
        "wijkregie.chat",
    }
