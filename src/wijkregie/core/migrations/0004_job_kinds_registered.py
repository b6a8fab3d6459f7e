"""Import jobs become background jobs of any registered kind (core.jobs).

The kind is no longer a fixed list naming apps' domains; the starter is recorded as the
audit trail records actors (an optional user and a label), so no account is invented for
jobs the platform starts; a claimed run counts an attempt (for resuming after a crash).
Jobs that the former (inactive) system account started lose the link to it.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

SYSTEM_USERNAME = "wijkregie-system"


def forget_system_account(apps, schema_editor):
    Job = apps.get_model("core", "Job")
    for job in Job.objects.select_related("created_by"):
        label = job.created_by.username if job.created_by_id else ""
        Job.objects.filter(pk=job.pk).update(created_by_label=label[:200])
    Job.objects.filter(created_by__username=SYSTEM_USERNAME).update(
        created_by=None, created_by_label="system"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0003_object_grants"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RenameModel("ImportJob", "Job"),
        migrations.AlterField(
            model_name="job",
            name="kind",
            field=models.CharField(max_length=40, verbose_name="kind"),
        ),
        migrations.AlterField(
            model_name="job",
            name="created_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="job",
            name="created_by_label",
            field=models.CharField(blank=True, max_length=200, verbose_name="started by"),
        ),
        migrations.AlterField(
            model_name="job",
            name="target_id",
            field=models.BigIntegerField(blank=True, null=True, verbose_name="target id"),
        ),
        migrations.AlterField(
            model_name="job",
            name="file_name",
            field=models.CharField(blank=True, max_length=255, verbose_name="file name"),
        ),
        migrations.AlterField(
            model_name="job",
            name="content",
            field=models.BinaryField(blank=True, verbose_name="file content"),
        ),
        migrations.AlterField(
            model_name="job",
            name="errors",
            field=models.JSONField(blank=True, default=list, verbose_name="errors"),
        ),
        migrations.AddField(
            model_name="job",
            name="error_count",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="job",
            name="attempts",
            field=models.PositiveSmallIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="job",
            name="started_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddIndex(
            model_name="job",
            index=models.Index(fields=["status", "updated_at"], name="job_status_idx"),
        ),
        migrations.RunPython(forget_system_account, migrations.RunPython.noop),
    ]
