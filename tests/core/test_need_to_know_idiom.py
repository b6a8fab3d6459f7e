"""Need-to-know is written one way (docs/development.md, "Need-to-know"). These tests read
the source and fail when a second way creeps back."""

import ast
from pathlib import Path

from django.conf import settings

import rules

import wijkregie

SRC = Path(wijkregie.__file__).parent


def _modules():
    for path in sorted(SRC.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        yield path.relative_to(SRC).as_posix(), path.read_text(encoding="utf-8")


def _class_bases(node: ast.ClassDef) -> list[str]:
    return [ast.unparse(base) for base in node.bases]


def test_visible_to_is_only_a_queryset_scope():
    """Lists start from `Model.objects.visible_to`, defined on a VisibleToQuerySet."""
    offenders = []
    for name, text in _modules():
        tree = ast.parse(text)
        for node in ast.walk(tree):
            body = getattr(node, "body", [])
            for child in body if isinstance(body, list) else []:
                if not isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                    continue
                if child.name != "visible_to" and "visible_queryset" not in child.name:
                    continue
                is_scope = isinstance(node, ast.ClassDef) and any(
                    base.endswith("QuerySet") for base in _class_bases(node)
                )
                if not is_scope:
                    offenders.append(f"{name}:{child.lineno} {child.name}")
    assert offenders == []


def test_every_queryset_with_a_visible_to_scope_is_a_visible_to_queryset():
    scopes = []
    for name, text in _modules():
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.ClassDef) and any(
                isinstance(c, ast.FunctionDef) and c.name == "need_to_know" for c in node.body
            ):
                scopes.append((name, node.name, _class_bases(node)))
    assert {(n, c) for n, c, _ in scopes} == {
        ("core/access.py", "VisibleToQuerySet"),
        ("cases/models.py", "CaseQuerySet"),
        ("outreach/models.py", "EveningQuerySet"),
        ("outreach/models.py", "RoundQuerySet"),
        ("places/models.py", "BuildingQuerySet"),
        ("places/models.py", "UnitQuerySet"),
        ("reports/models.py", "ReportQuerySet"),
        ("reports/models.py", "StandardTextQuerySet"),
        ("residents/models.py", "ResidentQuerySet"),
    }
    assert all(bases == ["VisibleToQuerySet"] for _, c, bases in scopes if c != "VisibleToQuerySet")


def test_the_building_partner_rule_is_written_once_in_places():
    """An organisation is a partner of a building while one of its active members is a
    contact there: `BuildingContact.objects.partnerships` says so, nothing else."""
    offenders = []
    for name, text in _modules():
        if name == "places/models.py":
            continue
        if "BuildingContact" in text and "membership__is_active" in text:
            offenders.append(f"{name}: writes the partner rule again")
        outside_places = not name.startswith(("places/", "demo/"))
        if outside_places and "BuildingContact.objects.filter(" in text:
            offenders.append(f"{name}: filters building contacts itself")
    assert offenders == []


def _constants() -> dict[str, str]:
    """Module-level string constants of src (NAME = "app.codename")."""
    values: dict[str, set[str]] = {}
    for _name, text in _modules():
        for node in ast.parse(text).body:
            if (
                isinstance(node, ast.Assign)
                and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name)
                and isinstance(node.value, ast.Constant)
                and isinstance(node.value.value, str)
            ):
                values.setdefault(node.targets[0].id, set()).add(node.value.value)
    return {k: next(iter(v)) for k, v in values.items() if len(v) == 1}


def _value(node, constants) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    name = node.attr if isinstance(node, ast.Attribute) else getattr(node, "id", None)
    return constants.get(name)


def _asked_object_permissions() -> set[str]:
    """Permissions asked as `….has_perm(permission, obj=…)` somewhere in src: a literal or
    a constant, or a parameter (then its default and what callers pass for it)."""
    constants = _constants()
    asked: set[str] = set()
    parameters: set[tuple[str, str]] = set()  # (function, parameter) passed on to has_perm
    trees = [ast.parse(text) for _name, text in _modules()]
    for tree in trees:
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef):
                continue
            for call in ast.walk(function):
                if not (
                    isinstance(call, ast.Call)
                    and isinstance(call.func, ast.Attribute)
                    and call.func.attr == "has_perm"
                    and any(k.arg == "obj" for k in call.keywords)
                    and call.args
                ):
                    continue
                first = call.args[0]
                value = _value(first, constants)
                if value is not None:
                    asked.add(value)
                    continue
                arguments = function.args.args + function.args.kwonlyargs
                defaults = function.args.defaults + function.args.kw_defaults
                named = {a.arg: d for a, d in zip(arguments[::-1], defaults[::-1], strict=False)}
                if isinstance(first, ast.Name) and first.id in named:
                    parameters.add((function.name, first.id))
                    default = named[first.id]
                    if default is not None and _value(default, constants):
                        asked.add(_value(default, constants))
    for tree in trees:
        for call in ast.walk(tree):
            if not isinstance(call, ast.Call):
                continue
            called = getattr(call.func, "attr", None) or getattr(call.func, "id", None)
            for keyword in call.keywords:
                if (called, keyword.arg) in parameters and _value(keyword.value, constants):
                    asked.add(_value(keyword.value, constants))
    return asked


def test_every_registered_object_permission_is_asked_somewhere():
    """Nothing registered is dead: each `rules` permission is asked through
    `Viewer.has_perm(…, obj=…)` by some code."""
    registered = set(rules.permissions.permissions.keys())
    assert registered == {
        "cases.view_case",
        "places.view_building",
        "places.change_building",
        "places.import_units",
        "reports.receive_reports",
        "reports.view_reporter_identity",
    }
    assert registered - _asked_object_permissions() == set()


def test_object_permissions_are_asked_of_the_viewer_not_of_a_django_user():
    """`rules` are predicates of a Viewer: no backend hands them a Django user, and the
    plain rule set (rules.set_rule / test_rule) is not a second registry."""
    assert "rules.permissions.ObjectPermissionBackend" not in settings.AUTHENTICATION_BACKENDS
    assert dict(rules.rulesets.default_rules) == {}
    offenders = [
        name
        for name, text in _modules()
        for call in ("rules.set_rule(", "rules.add_rule(", "rules.test_rule(", "user.has_perm(")
        if call in text
    ]
    assert offenders == []


def test_residents_are_proven_only_where_the_proof_is_checked():
    """A ResidentPrincipal is made where the proof is checked, nowhere else: the reporter
    of a report by the passphrase or signed link (reports/passphrases.py), a resident by a
    signed link in an e-mail (residents/links.py), a chat member by their join code and
    device session (chat/services.py)."""
    takers = [name for name, text in _modules() if "principal_issuer(" in text]
    issuers = [name for name, text in _modules() if "_issuer.issue(" in text]
    assert takers == [
        "chat/services.py",
        "core/access.py",
        "reports/passphrases.py",
        "residents/links.py",
    ]
    assert issuers == ["chat/services.py", "reports/passphrases.py", "residents/links.py"]
