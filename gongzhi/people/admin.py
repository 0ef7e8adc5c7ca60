from django.contrib import admin

from gongzhi.people import models as m


class MaskedPersonalDataMixin:
    """Admin lists show masked values only; unmasking goes through pii_reveal, which is audited."""

    @admin.display(description="身份证号")
    def id_masked(self, obj: m.PersonalDataMixin) -> str:
        return obj.id_number_masked

    @admin.display(description="手机号")
    def phone_masked(self, obj: m.PersonalDataMixin) -> str:
        return obj.phone_masked


@admin.register(m.Resident)
class ResidentAdmin(MaskedPersonalDataMixin, admin.ModelAdmin[m.Resident]):
    list_display = ("name", "gender", "birth_date", "area_code", "id_masked", "phone_masked")
    search_fields = ("name", "name_pinyin", "name_initials")
    raw_id_fields = ("household", "area")
    readonly_fields = ("area_code", "id_masked", "phone_masked")


@admin.register(m.PartyMember)
class PartyMemberAdmin(MaskedPersonalDataMixin, admin.ModelAdmin[m.PartyMember]):
    list_display = ("name", "kind", "organization", "area_code", "phone_masked")
    list_filter = ("kind",)
    search_fields = ("name", "name_pinyin")
    raw_id_fields = ("resident", "user", "organization", "area")


@admin.register(m.Household)
class HouseholdAdmin(admin.ModelAdmin[m.Household]):
    list_display = ("number", "address", "area_code")
    search_fields = ("number", "address")
    raw_id_fields = ("area", "unit")


@admin.register(m.PartyOrganization)
class PartyOrganizationAdmin(admin.ModelAdmin[m.PartyOrganization]):
    list_display = ("name", "kind", "area_code", "parent")
    list_filter = ("kind",)
    raw_id_fields = ("parent", "area", "compound", "building")


@admin.register(m.GridAssignment)
class GridAssignmentAdmin(admin.ModelAdmin[m.GridAssignment]):
    list_display = ("user", "kind", "area_code", "is_owner", "on_duty", "occupation")
    list_filter = ("kind", "is_owner", "on_duty")
    raw_id_fields = ("user", "area", "compound")


for model in (m.Compound, m.Building, m.Unit, m.Tag, m.ResponsibilityZone, m.ServicePost):
    admin.site.register(model)


@admin.register(m.Department, m.Partner)
class OrganisationAdmin(MaskedPersonalDataMixin, admin.ModelAdmin[m.Department | m.Partner]):
    list_display = ("name", "contact_name", "phone_masked")
    filter_horizontal = ("areas",)
