"""Every setting is defined once, in settings.py, and read as plain `settings.X`."""

import re

from django.conf import settings

from .test_one_way import SRC, _files_matching


def test_no_module_reads_a_setting_with_a_default_of_its_own():
    assert _files_matching(r"getattr\(\s*(django_)?settings\s*,") == []
    assert _files_matching(r"hasattr\(\s*(django_)?settings\s*,") == []


def test_every_project_setting_read_is_defined_in_settings_py():
    read = set()
    for text in (path.read_text(encoding="utf-8") for path in SRC.rglob("*.py")):
        read |= set(re.findall(r"\bsettings\.(WIJKREGIE_[A-Z0-9_]+)", text))
    defined = set(
        re.findall(
            r"^\s*(WIJKREGIE_[A-Z0-9_]+)\s*=",
            (SRC / "settings.py").read_text(encoding="utf-8"),
            flags=re.MULTILINE,
        )
    )
    assert "WIJKREGIE_REPORTER_CONTACT_RETENTION_DAYS" in read
    assert sorted(read - defined) == []
    assert all(hasattr(settings, name) for name in read)


def test_each_setting_is_assigned_once_at_the_top_of_settings_py():
    names = re.findall(
        r"^([A-Z][A-Z0-9_]+)\s*=", (SRC / "settings.py").read_text(encoding="utf-8"), re.M
    )
    assert sorted({n for n in names if names.count(n) > 1}) == []
