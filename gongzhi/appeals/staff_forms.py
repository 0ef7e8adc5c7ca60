"""Forms of the staff pages: they only parse types; the actions validate and name the field on errors."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongzhi.appeals.models import Channel, Rating, State, Tier
from gongzhi.core.errors import ValidationFailed

# Channels a desk records on someone's behalf (the reporter has no login here).
INTAKE_CHANNELS = [Channel.HOTLINE_12345, Channel.SUSUBAN, Channel.WALK_IN, Channel.GRID_REPORT]
INTAKE_CHANNEL_CHOICES = [(c.value, c.label) for c in INTAKE_CHANNELS]


def first_error(form: forms.Form) -> ValidationFailed:
    """A bound form's first error as the domain error the pages show (field named in the message)."""
    name, errors = next(iter(form.errors.items()))
    label = form.fields[name].label if name in form.fields else name
    return ValidationFailed(_("%(field)s：%(error)s") % {"field": label, "error": errors[0]}, field=name)


class BoardFilter(forms.Form):
    queue = forms.CharField(required=False, max_length=16)
    area = forms.RegexField(regex=r"^\d{1,17}$", required=False, label=gettext_lazy("区域"))
    category = forms.CharField(required=False, max_length=48, label=gettext_lazy("分类"))
    channel = forms.ChoiceField(
        required=False, choices=[("", ""), *list(Channel.choices)], label=gettext_lazy("来源渠道")
    )
    state = forms.ChoiceField(required=False, choices=[("", ""), *list(State.choices)], label=gettext_lazy("状态"))
    overdue = forms.BooleanField(required=False, label=gettext_lazy("只看超时"))
    q = forms.CharField(required=False, max_length=64, label=gettext_lazy("搜索"))
    before = forms.IntegerField(required=False, min_value=1, max_value=2**62)


class ActForm(forms.Form):
    """The data of one board move; which fields count depends on the action (appeal_transition checks)."""

    action = forms.CharField(max_length=24, label=gettext_lazy("操作"))
    note = forms.CharField(required=False, max_length=2000, label=gettext_lazy("说明"))
    expected_version = forms.IntegerField(required=False, min_value=0, max_value=2**31)
    category = forms.CharField(required=False, max_length=48, label=gettext_lazy("分类"))
    tier = forms.ChoiceField(required=False, choices=[("", ""), *list(Tier.choices)], label=gettext_lazy("分级"))
    assignee_id = forms.IntegerField(required=False, min_value=1, max_value=2**62, label=gettext_lazy("承办人"))
    days = forms.IntegerField(required=False, min_value=1, max_value=90, label=gettext_lazy("延长天数"))
    due_at = forms.DateTimeField(
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
        label=gettext_lazy("新的期限"),
    )
    rating = forms.ChoiceField(
        required=False, choices=[("", ""), *list(Rating.choices)], label=gettext_lazy("回访评价")
    )

    # The move's data keys appeal_transition accepts, per action.
    DATA = {
        "register": ("category", "tier"),
        "dispatch": ("assignee_id", "category", "tier"),
        "extend": ("days", "due_at"),
        "rate": ("rating",),
    }

    def transition_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        action = data["action"]
        kwargs: dict[str, Any] = {
            "action": action,
            "note": data.get("note") or "",
            "expected_version": data.get("expected_version"),
        }
        for key in self.DATA.get(action, ()):
            value = data.get(key)
            if value not in (None, ""):
                kwargs[key] = value
        if action == "rate" and "rating" not in kwargs:
            kwargs["rating"] = None  # let the action name the missing rating
        return kwargs


class IntakeForm(forms.Form):
    channel = forms.ChoiceField(choices=INTAKE_CHANNEL_CHOICES, label=gettext_lazy("来源渠道"))
    external_ref = forms.CharField(required=False, max_length=64, label=gettext_lazy("外部工单号"))
    contact_name = forms.CharField(required=False, max_length=32, label=gettext_lazy("来电人 / 联系人"))
    contact_phone = forms.CharField(required=False, max_length=32, label=gettext_lazy("联系电话"))
    description = forms.CharField(max_length=4000, label=gettext_lazy("诉求内容"))
    category = forms.CharField(required=False, max_length=48, label=gettext_lazy("分类"))
    area_code = forms.CharField(required=False, max_length=17, label=gettext_lazy("微网格"))
    lat = forms.FloatField(required=False, min_value=-90, max_value=90, label=gettext_lazy("纬度"))
    lng = forms.FloatField(required=False, min_value=-180, max_value=180, label=gettext_lazy("经度"))
    address = forms.CharField(required=False, max_length=200, label=gettext_lazy("地址"))
    is_public = forms.BooleanField(required=False, label=gettext_lazy("公共事项（公示）"))

    def submit_kwargs(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        if data["lat"] is None or data["lng"] is None:
            # A pin is both coordinates or none: the micro-grid select decides then.
            data["lat"] = data["lng"] = None
        data["category"] = data["category"] or None
        data["area_code"] = data["area_code"] or None
        return data


class SummonForm(forms.Form):
    departments = forms.MultipleChoiceField(choices=[], label=gettext_lazy("召集部门"))
    reason = forms.CharField(max_length=2000, label=gettext_lazy("吹哨事由"))
    report_minutes = forms.IntegerField(min_value=1, max_value=1440, label=gettext_lazy("报到时限（分钟）"))

    def __init__(self, *args: Any, departments: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["departments"]
        if not isinstance(field, forms.MultipleChoiceField):
            raise TypeError("SummonForm.departments must be a MultipleChoiceField")
        field.choices = departments


class RateForm(forms.Form):
    score = forms.TypedChoiceField(coerce=int, choices=[(i, str(i)) for i in range(1, 6)], label=gettext_lazy("评分"))
    note = forms.CharField(required=False, max_length=2000, label=gettext_lazy("评价说明"))


class DepartmentActForm(forms.Form):
    action = forms.ChoiceField(
        choices=[("report_in", "report_in"), ("progress", "progress"), ("result", "result")],
        label=gettext_lazy("操作"),
    )
    note = forms.CharField(required=False, max_length=2000, label=gettext_lazy("说明"))
    result = forms.CharField(required=False, max_length=4000, label=gettext_lazy("处理结果"))
