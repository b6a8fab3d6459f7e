"""The resident pages under /melden/ (BRIEF 1, 2, 3, 9), from top to bottom:

- `views` (report: building, category, form, receipt) and `follow_up` (tracking code and
  passphrase, the thread, photos, contact details): parse the request and answer;
- `intake` (the one way a web report is stored, with its rate limits and receipt),
  `pages` (language, short pages, the bot trap's verdict) and `forms`;
- `receipts`, `trap` (honeypot, form token, idempotency key), `limits` (rate limits) and
  `device` (the reporter's browser): state in signed tokens and the shared cache.

An import-linter contract holds these layers (pyproject.toml).
"""
