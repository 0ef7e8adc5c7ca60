"""Appeal pages for residents, grid workers and everyone's appeal detail (mounted at /appeals/)."""

from django.urls import path  # noqa: F401

app_name = "appeals"

urlpatterns: list = []
