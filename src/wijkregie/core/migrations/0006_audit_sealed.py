"""The audit trail sealed asynchronously instead of chained under one lock (ADR 0009).

Entries lose the app-assigned `seq` (the id is the order) and the link to the previous
entry; they gain the data owner and a seal. Existing entries are checked against the old
chain first (a broken chain stops the migration: it would otherwise be laundered) and get
their hash over the new content; the sealer then seals them like any other entry.

On PostgreSQL the append-only trigger now lets exactly one UPDATE through: setting
`seal_id` from NULL to a seal, every other column unchanged. Seals are append-only too.
"""

import hashlib
import json

import django.db.models.deletion
from django.db import migrations, models

GENESIS_HASH = "0" * 64
OLD_HASHED_FIELDS = (
    "seq",
    "occurred_at",
    "actor_id",
    "actor_label",
    "organisation_id",
    "organisation_label",
    "action",
    "object_type",
    "object_ids",
    "fields",
    "context_type",
    "context_id",
    "context_label",
    "origin",
    "request_id",
)
# As in core.audit at the time of this migration (a migration must not import it).
NEW_HASHED_FIELDS = (
    *OLD_HASHED_FIELDS[1:6],
    "data_owner_id",
    "data_owner_label",
    *OLD_HASHED_FIELDS[6:],
)

DROP_OLD_TRIGGER = """
DROP TRIGGER IF EXISTS core_auditentry_append_only ON core_auditentry;
"""
OLD_FUNCTION = """
CREATE OR REPLACE FUNCTION core_auditentry_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'The audit trail is append-only: % on core_auditentry refused', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER core_auditentry_append_only
    BEFORE UPDATE OR DELETE ON core_auditentry
    FOR EACH ROW EXECUTE FUNCTION core_auditentry_refuse_change();
"""
CREATE = """
CREATE OR REPLACE FUNCTION core_auditentry_refuse_change() RETURNS trigger AS $$
BEGIN
    -- The sealer's UPDATE: seal_id from NULL to a seal, nothing else changed.
    IF TG_OP = 'UPDATE' AND OLD.seal_id IS NULL AND NEW.seal_id IS NOT NULL
       AND (to_jsonb(NEW) - 'seal_id') = (to_jsonb(OLD) - 'seal_id') THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'The audit trail is append-only: % on core_auditentry refused', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER core_auditentry_append_only
    BEFORE UPDATE OR DELETE ON core_auditentry
    FOR EACH ROW EXECUTE FUNCTION core_auditentry_refuse_change();
CREATE OR REPLACE FUNCTION core_auditseal_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'The audit seals are append-only: % on core_auditseal refused', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER core_auditseal_append_only
    BEFORE UPDATE OR DELETE ON core_auditseal
    FOR EACH ROW EXECUTE FUNCTION core_auditseal_refuse_change();
"""
DROP = """
DROP TRIGGER IF EXISTS core_auditentry_append_only ON core_auditentry;
DROP TRIGGER IF EXISTS core_auditseal_append_only ON core_auditseal;
DROP FUNCTION IF EXISTS core_auditseal_refuse_change();
"""


def drop_old_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_OLD_TRIGGER, params=None)


def restore_old_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(OLD_FUNCTION, params=None)


def create_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)  # no placeholders: "%" is plpgsql


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


def _digest(entry, names, prefix: str = "") -> str:
    payload = {name: getattr(entry, name) for name in names}
    payload["occurred_at"] = entry.occurred_at.isoformat(timespec="microseconds")
    body = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{prefix}{body}".encode()).hexdigest()


def rehash_existing(apps, schema_editor):
    AuditEntry = apps.get_model("core", "AuditEntry")
    prev_hash = GENESIS_HASH
    expected = 1
    for entry in AuditEntry.objects.order_by("seq").iterator(chunk_size=2000):
        old = _digest(entry, OLD_HASHED_FIELDS, f"{entry.prev_hash}|")
        if entry.seq != expected or entry.prev_hash != prev_hash or old != entry.hash:
            raise RuntimeError(
                f"The audit chain is broken at entry {entry.seq}: run `manage.py audit_verify` "
                "on the previous version and resolve it before migrating."
            )
        AuditEntry.objects.filter(pk=entry.pk).update(hash=_digest(entry, NEW_HASHED_FIELDS))
        prev_hash, expected = entry.hash, entry.seq + 1


def create_seal_head(apps, schema_editor):
    apps.get_model("core", "AuditSealHead").objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [("core", "0005_data_subject_request")]

    operations = [
        migrations.RunPython(drop_old_trigger, restore_old_trigger),
        migrations.AddField(
            model_name="auditentry",
            name="data_owner_id",
            field=models.BigIntegerField(blank=True, null=True, verbose_name="data owner id"),
        ),
        migrations.AddField(
            model_name="auditentry",
            name="data_owner_label",
            field=models.CharField(blank=True, max_length=200, verbose_name="data owner"),
        ),
        migrations.RunPython(rehash_existing, migrations.RunPython.noop),
        migrations.CreateModel(
            name="AuditSeal",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("prev_hash", models.CharField(max_length=64, verbose_name="previous seal")),
                ("root", models.CharField(max_length=64, verbose_name="root")),
                ("entry_count", models.PositiveIntegerField(verbose_name="number of entries")),
                ("first_entry_id", models.BigIntegerField(verbose_name="first entry")),
                ("last_entry_id", models.BigIntegerField(verbose_name="last entry")),
                ("entry_ids", models.JSONField(default=list, verbose_name="entries")),
                ("sealed_at", models.DateTimeField(verbose_name="sealed at")),
                ("hash", models.CharField(max_length=64, unique=True, verbose_name="hash")),
                (
                    "signature",
                    models.CharField(blank=True, max_length=64, verbose_name="signature"),
                ),
            ],
            options={
                "verbose_name": "audit seal",
                "verbose_name_plural": "audit seals",
                "ordering": ["-id"],
            },
        ),
        migrations.CreateModel(
            name="AuditSealHead",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("last_seal_id", models.BigIntegerField(blank=True, null=True)),
                ("last_hash", models.CharField(default=GENESIS_HASH, max_length=64)),
            ],
            options={
                "verbose_name": "audit seal head",
                "verbose_name_plural": "audit seal heads",
            },
        ),
        migrations.DeleteModel(name="AuditChainHead"),
        migrations.AlterModelOptions(
            name="auditentry",
            options={
                "ordering": ["-id"],
                "verbose_name": "audit entry",
                "verbose_name_plural": "audit trail",
            },
        ),
        migrations.RemoveIndex(model_name="auditentry", name="audit_object_type_idx"),
        migrations.RemoveIndex(model_name="auditentry", name="audit_actor_idx"),
        migrations.RemoveIndex(model_name="auditentry", name="audit_org_idx"),
        migrations.RemoveField(model_name="auditentry", name="prev_hash"),
        migrations.RemoveField(model_name="auditentry", name="seq"),
        migrations.AlterField(
            model_name="auditentry",
            name="hash",
            field=models.CharField(editable=False, max_length=64, verbose_name="hash"),
        ),
        migrations.AlterField(
            model_name="auditentry",
            name="id",
            field=models.BigAutoField(primary_key=True, serialize=False, verbose_name="number"),
        ),
        migrations.AddField(
            model_name="auditentry",
            name="seal",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="entries",
                to="core.auditseal",
                verbose_name="seal",
            ),
        ),
        migrations.AddIndex(
            model_name="auditentry",
            index=models.Index(fields=["object_type", "-id"], name="audit_object_type_idx"),
        ),
        migrations.AddIndex(
            model_name="auditentry",
            index=models.Index(fields=["actor_id", "-id"], name="audit_actor_idx"),
        ),
        migrations.AddIndex(
            model_name="auditentry",
            index=models.Index(fields=["organisation_id", "-id"], name="audit_org_idx"),
        ),
        migrations.AddIndex(
            model_name="auditentry",
            index=models.Index(fields=["data_owner_id", "-id"], name="audit_data_owner_idx"),
        ),
        migrations.AddIndex(
            model_name="auditentry",
            index=models.Index(fields=["seal", "id"], name="audit_seal_idx"),
        ),
        migrations.AddIndex(
            model_name="auditentry",
            index=models.Index(
                condition=models.Q(("seal__isnull", True)),
                fields=["id"],
                name="audit_unsealed_idx",
            ),
        ),
        migrations.RunPython(create_seal_head, migrations.RunPython.noop),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
