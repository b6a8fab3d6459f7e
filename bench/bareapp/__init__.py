"""A benchmark-only app: the bare endpoint that validates and inserts one row.

It is the reference the report intake is compared with (BRIEF 30). Installed only by
`bench.settings`; the product never imports it.
"""
