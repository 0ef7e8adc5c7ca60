"""Forms only render fields and check presence; the domain rules live in the actions they feed."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from gongzhi.areas.models import Area, AreaLevel


class RegistrationForm(forms.Form):
    username = forms.CharField(label=_("用户名"), max_length=150)
    password = forms.CharField(label=_("密码（至少 8 位）"), widget=forms.PasswordInput(render_value=False))
    full_name = forms.CharField(label=_("姓名"), max_length=64)
    id_number = forms.CharField(label=_("身份证号"), max_length=18)
    phone = forms.CharField(label=_("手机号（选填）"), max_length=20, required=False)
    community = forms.ModelChoiceField(
        label=_("所在社区"), queryset=Area.objects.none(), empty_label=_("请选择社区"), to_field_name="code"
    )
    address = forms.CharField(label=_("住址（小区、楼号、单元、门牌）"), max_length=200)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        community = self.fields["community"]
        if not isinstance(community, forms.ModelChoiceField):
            raise TypeError("RegistrationForm.community must be a ModelChoiceField")
        community.queryset = Area.objects.filter(level=AreaLevel.COMMUNITY).defer("boundary").order_by("code")
        self.fields["username"].widget.attrs.update({"autocomplete": "username"})
        self.fields["password"].widget.attrs.update({"autocomplete": "new-password"})
        self.fields["phone"].widget.attrs.update({"inputmode": "tel", "autocomplete": "tel"})
        self.fields["id_number"].widget.attrs.update({"autocomplete": "off"})


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("驳回原因"), max_length=200, required=False)
