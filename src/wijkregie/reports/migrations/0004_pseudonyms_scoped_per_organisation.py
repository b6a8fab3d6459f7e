"""Pseudonyms scoped per organisation: a stored seed instead of a per-building number.

Existing reports keep their grouping: reports that shared a number in a building share a
seed (from the reporter key where it is still known, else from the old number).
"""

from django.db import migrations, models
from django.utils.crypto import salted_hmac

SEED_SALT = "wijkregie.reports.pseudonym_seed"


def seeds_from_numbers(apps, schema_editor):
    Report = apps.get_model("reports", "Report")
    ReporterPseudonym = apps.get_model("reports", "ReporterPseudonym")
    keys = {
        (row.building_id, row.number): row.reporter_key
        for row in ReporterPseudonym.objects.all().iterator()
    }
    batch = []
    for report in Report.objects.exclude(reporter_pseudonym_number=None).iterator():
        number = report.reporter_pseudonym_number
        key = keys.get((report.building_id, number), "")
        if key.startswith("anon:") or not key:
            key = f"legacy:{number}"
        basis = f"{report.building_id}:{key}"
        report.reporter_seed = salted_hmac(SEED_SALT, basis, algorithm="sha256").hexdigest()
        batch.append(report)
        if len(batch) >= 1000:
            Report.objects.bulk_update(batch, ["reporter_seed"])
            batch = []
    if batch:
        Report.objects.bulk_update(batch, ["reporter_seed"])


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0003_status_text_default"),
    ]

    operations = [
        migrations.AddField(
            model_name="report",
            name="reporter_seed",
            field=models.CharField(blank=True, editable=False, max_length=64),
        ),
        migrations.RunPython(seeds_from_numbers, migrations.RunPython.noop, elidable=True),
        migrations.RemoveField(
            model_name="report",
            name="reporter_pseudonym_number",
        ),
        migrations.DeleteModel(
            name="ReporterPseudonym",
        ),
    ]
