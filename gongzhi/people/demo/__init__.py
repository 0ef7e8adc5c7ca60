"""The demo district: a deterministic, seed-shaped 黄岛区 for demos, tests and benchmarks (`manage.py seed_demo`)."""
