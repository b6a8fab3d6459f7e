"""The audit trail refuses UPDATE and DELETE in the database itself (PostgreSQL).

The model already refuses both in Python; the trigger also stops raw SQL, the admin of
another app and a careless script. Someone with the rights to disable the trigger can
still change rows: `manage.py audit_verify` then finds the change through the hash chain.
TRUNCATE is not blocked (row-level triggers do not fire for it), so that tests can still
empty their database. On SQLite the trigger is left out: the embedded default is for
development. docs/adr/0003-audit-trail-access-and-protection.md.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION core_auditentry_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'The audit trail is append-only: % on core_auditentry refused', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER core_auditentry_append_only
    BEFORE UPDATE OR DELETE ON core_auditentry
    FOR EACH ROW EXECUTE FUNCTION core_auditentry_refuse_change();
"""
DROP = """
DROP TRIGGER IF EXISTS core_auditentry_append_only ON core_auditentry;
DROP FUNCTION IF EXISTS core_auditentry_refuse_change();
"""


def create_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)  # no placeholders: "%" is plpgsql


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


def create_chain_head(apps, schema_editor):
    # The one row every append locks; created here so that the first appends do not race
    # to create it.
    apps.get_model("core", "AuditChainHead").objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]

    operations = [
        migrations.RunPython(create_trigger, drop_trigger),
        migrations.RunPython(create_chain_head, migrations.RunPython.noop),
    ]
