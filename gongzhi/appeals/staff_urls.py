"""Street dispatch board and department console pages (mounted at /appeals/staff/)."""

from django.urls import path  # noqa: F401

app_name = "appeals_staff"

urlpatterns: list = []
