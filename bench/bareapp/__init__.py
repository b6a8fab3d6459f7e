"""A benchmark-only app: the bare endpoint that validates and inserts one row.

It is the reference the report intake is compared with (issue 3). Installed only by
`bench.settings`; the product never imports it.
"""
