"""Forms of the resident pages (/appeals/): they parse types and say what is missing; the actions validate the rest
and name the field (the staff pages' forms are in staff_forms.py)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy

# Which place on the submit page an error belongs to, by the form field or the action's error field.
SUBMIT_FIELDS = {
    "description": "description",
    "category": "category",
    "lat": "location",
    "lng": "location",
    "area_code": "location",
    "address": "address",
    "contact_name": "contact_name",
    "contact_phone": "contact_phone",
    "photos": "photos",
    "photo": "photos",
    "token": "form",
}
NO_PIN = gettext_lazy("请在地图上点选位置，或点「使用我的位置」")
BAD_PIN = gettext_lazy("位置坐标不是有效的数字")


class SubmitForm(forms.Form):
    """The resident's submit page (photos come from request.FILES and are checked by the action)."""

    token = forms.CharField(required=False, max_length=64)
    description = forms.CharField(
        max_length=4000,
        error_messages={"required": gettext_lazy("请描述您要反映的问题")},
    )
    category = forms.CharField(required=False, max_length=48)
    lat = forms.FloatField(required=False, error_messages={"invalid": BAD_PIN})
    lng = forms.FloatField(required=False, error_messages={"invalid": BAD_PIN})
    address = forms.CharField(required=False, max_length=200)
    contact_name = forms.CharField(required=False, max_length=32)
    contact_phone = forms.CharField(required=False, max_length=32)
    is_public = forms.BooleanField(required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if "lat" in data and "lng" in data and (data["lat"] is None or data["lng"] is None):
            self.add_error("lat", NO_PIN)  # both coordinates or no pin: the map sets both
        return data

    def page_errors(self) -> dict[str, str]:
        """The first error of each place on the page (the pin's two fields share one place)."""
        found: dict[str, str] = {}
        for name, errors in self.errors.items():
            found.setdefault(SUBMIT_FIELDS.get(name, "form"), str(errors[0]))
        return found

    def values(self) -> dict[str, Any]:
        """What the page shows back: the text as typed, the pin only when both coordinates are numbers."""
        shown = {name: self[name].value() or "" for name in self.fields if name not in ("lat", "lng", "is_public")}
        clean = getattr(self, "cleaned_data", {})
        shown["lat"], shown["lng"] = clean.get("lat"), clean.get("lng")
        shown["is_public"] = bool(self["is_public"].value())
        return shown

    def submit_kwargs(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["category"] = data["category"] or None
        return data
