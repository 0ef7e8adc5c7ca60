"""Every write in inspections: keyword-only, one transaction, an audit row; bad input changes nothing.

One module per subject; callers import from the module:

- `places`: registering and changing places, their contact (PII) and the responsible grid worker; revealing it;
- `checklists`: publishing a new version of a checklist template;
- `inspecting`: submitting an inspection (idempotent by the client's key) and what failed items open;
- `rectifications`: the rectification order's lifecycle (core.fsm) and the overdue sweep.
"""
