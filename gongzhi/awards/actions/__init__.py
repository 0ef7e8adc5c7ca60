"""Every write of awards: `schemes` (create, configure), `compute` (results from the data), `honours`
(nominations, votes) and `workflow` (confirm, reject, reopen, publish: the RESULT lifecycle on core.fsm)."""
