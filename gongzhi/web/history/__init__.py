"""The demo district's year of history for appeals, volunteering and points (`manage.py seed_history`)."""
