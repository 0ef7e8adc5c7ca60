"""Every write in volunteering: keyword-only, one transaction, an audit row; bad input changes nothing.

One module per subject, as zulip's `zerver/actions/`; callers import from the module, this package re-exports
nothing:

- `volunteers`: registering volunteers, their profile, 双报到 registrations;
- `teams`: brands, teams and their members, projects, trainings, honours;
- `activities`: creating activities, classes and camps; calling for cover;
- `signups`: sign-up, cancel, approve/reject, the waitlist;
- `checkin`: QR check-in and check-out, the organiser's check-out of everyone;
- `hours`: confirming hours, and the points they earn;
- `certificates`: issuing certificates.
"""
