"""Matching's writes, one module per subject (as volunteering's): `catalogue`, `resources`, `demands` (creating
orders, micro-wishes and errands; the micro-wish cap), `flow` (the seven-order flow: the `DEMAND` lifecycle, its
moves and the deadline sweep). The package re-exports nothing: a caller names the subject it writes."""
