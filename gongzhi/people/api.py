import datetime as dt

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status
from ninja.params.functions import Query as QueryParam  # the call form; ninja types Query as an annotation

from gongzhi.accounts import actions as account_actions
from gongzhi.accounts.auth import api_auth
from gongzhi.accounts.models import Registration
from gongzhi.areas.selectors import area_get
from gongzhi.core.types import ApiRequest
from gongzhi.people import actions, selectors
from gongzhi.people.models import Department, Partner, PartyMember, Resident

router = Router(tags=["people"], auth=api_auth)


class ResidentOut(Schema):
    id: int
    name: str
    gender: str
    birth_date: dt.date
    area_code: str
    household_id: int | None
    household_number: str | None
    relation: str
    id_number: str = Field(..., description="masked, e.g. 370211********1234")
    phone: str = Field(..., description="masked")
    tags: list[str]

    @staticmethod
    def build(r: Resident) -> "ResidentOut":
        return ResidentOut(
            id=r.pk,
            name=r.name,
            gender=r.gender,
            birth_date=r.birth_date,
            area_code=r.area_code,
            household_id=r.household_id,
            household_number=r.household.number if r.household is not None else None,
            relation=r.relation,
            id_number=r.id_number_masked,
            phone=r.phone_masked,
            tags=[t.name for t in r.tags.all()],
        )


class ResidentPage(Schema):
    count: int
    items: list[ResidentOut]


class ResidentFilters(Schema):
    q: str = Field("", description="name, pinyin, pinyin initials, full ID number or phone", max_length=64)
    area: str | None = Field(None, pattern=r"^\d{6,17}$")
    tag: str | None = Field(None, max_length=32)
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0, le=1_000_000_000)


@router.get("/residents", response=ResidentPage, summary="Search residents in the areas you may see (masked)")
def list_residents(request: ApiRequest, f: Query[ResidentFilters]) -> ResidentPage:
    area = area_get(code=f.area) if f.area else None
    qs = selectors.resident_search(user=request.auth, query=f.q, area=area, tag=f.tag)
    rows = qs.select_related("household").prefetch_related("tags")[f.offset : f.offset + f.limit]
    return ResidentPage(count=qs.count(), items=[ResidentOut.build(r) for r in rows])


@router.get("/residents/{resident_id}", response=ResidentOut, summary="One resident (masked)")
def get_resident(request: ApiRequest, resident_id: int) -> ResidentOut:
    return ResidentOut.build(selectors.resident_get(user=request.auth, resident_id=resident_id))


class RevealIn(Schema):
    field: str = Field(..., description="id_number or phone")
    reason: str = Field("", max_length=200)


class RevealOut(Schema):
    field: str
    value: str


@router.post("/residents/{resident_id}/reveal", response=RevealOut, summary="Unmask one field (audited)")
def reveal_resident(request: ApiRequest, resident_id: int, data: RevealIn) -> RevealOut:
    resident = selectors.resident_get(user=request.auth, resident_id=resident_id)
    value = actions.pii_reveal(
        actor=request.auth, record=resident, field=data.field, request=request, reason=data.reason
    )
    return RevealOut(field=data.field, value=value)


class HouseholdOut(Schema):
    id: int
    number: str
    address: str
    area_code: str
    residents: list[ResidentOut]


@router.get("/households/{household_id}", response=HouseholdOut, summary="A household and its residents (masked)")
def get_household(request: ApiRequest, household_id: int) -> HouseholdOut:
    h = selectors.household_get(user=request.auth, household_id=household_id)
    members = h.residents.select_related("household").prefetch_related("tags").order_by("id")
    return HouseholdOut(
        id=h.pk,
        number=h.number,
        address=h.address,
        area_code=h.area_code,
        residents=[ResidentOut.build(r) for r in members],
    )


class PartyOrgOut(Schema):
    id: int
    name: str
    kind: str
    kind_label: str
    parent_id: int | None
    area_code: str
    member_count: int


@router.get("/party/organizations", response=list[PartyOrgOut], summary="Party organisations in your areas")
def list_party_orgs(request: ApiRequest, area: str | None = None) -> list[PartyOrgOut]:
    from django.db.models import Count

    scope = area_get(code=area) if area else None
    qs = selectors.party_orgs_visible(user=request.auth, area=scope).annotate(n=Count("members"))[:1000]
    return [
        PartyOrgOut(
            id=o.pk,
            name=o.name,
            kind=o.kind,
            kind_label=str(o.get_kind_display()),
            parent_id=o.parent_id,
            area_code=o.area_code,
            member_count=o.n,
        )
        for o in qs
    ]


class PartyMemberOut(Schema):
    id: int
    name: str
    kind: str
    kind_label: str
    organization: str
    area_code: str
    phone: str
    shows_identity: bool

    @staticmethod
    def build(m: PartyMember) -> "PartyMemberOut":
        return PartyMemberOut(
            id=m.pk,
            name=m.name,
            kind=m.kind,
            kind_label=str(m.get_kind_display()),
            organization=m.organization.name,
            area_code=m.area_code,
            phone=m.phone_masked,
            shows_identity=m.shows_identity,
        )


@router.get("/party/members", response=list[PartyMemberOut], summary="Party members in your areas (masked)")
def list_party_members(
    request: ApiRequest, q: str = "", area: str | None = None, limit: int = QueryParam(100, ge=1, le=500)
) -> list[PartyMemberOut]:
    scope = area_get(code=area) if area else None
    qs = selectors.party_members_visible(user=request.auth, query=q, area=scope)[:limit]
    return [PartyMemberOut.build(m) for m in qs]


class RegistrationIn(Schema):
    username: str = Field(..., min_length=3, max_length=150)
    password: str = Field(..., min_length=8, max_length=128)
    full_name: str = Field(..., min_length=1, max_length=64)
    id_number: str = Field(..., min_length=15, max_length=20)
    phone: str = Field("", max_length=20)
    address: str = Field(..., min_length=1, max_length=200)
    community_code: str = Field(..., pattern=r"^\d{12}$")


class RegistrationOut(Schema):
    id: int
    status: str
    detail: str


@router.post(
    "/registrations",
    response={201: RegistrationOut},
    auth=None,
    summary="A resident registers; a community worker confirms against a household",
)
def register(request: HttpRequest, data: RegistrationIn) -> Status[RegistrationOut]:
    from django.utils.translation import gettext as _

    reg = account_actions.registration_submit(
        username=data.username,
        password=data.password,
        full_name=data.full_name,
        id_number=data.id_number,
        phone=data.phone,
        address=data.address,
        community=area_get(code=data.community_code),
    )
    return Status(
        201, RegistrationOut(id=reg.pk, status=reg.status, detail=_("已提交，社区工作者核实后即可使用居民功能"))
    )


class DecisionIn(Schema):
    confirm: bool
    resident_id: int | None = None
    reason: str = Field("", max_length=200)


@router.post(
    "/registrations/{registration_id}/decision",
    response=RegistrationOut,
    summary="Confirm a registration against a resident, or reject it",
)
def decide_registration(request: ApiRequest, registration_id: int, data: DecisionIn) -> RegistrationOut:
    reg = get_object_or_404(Registration, pk=registration_id)
    resident = selectors.resident_get(user=request.auth, resident_id=data.resident_id) if data.resident_id else None
    reg = account_actions.registration_decide(
        actor=request.auth, registration=reg, confirm=data.confirm, resident=resident, reason=data.reason
    )
    return RegistrationOut(id=reg.pk, status=reg.status, detail=str(reg.get_status_display()))


class AssignmentOut(Schema):
    id: int
    user: str
    kind: str
    kind_label: str
    area_code: str
    compound: str | None
    is_owner: bool
    on_duty: bool
    occupation: str


@router.get("/assignments", response=list[AssignmentOut], summary="Who works a grid (the 2+7+N deployment)")
def list_assignments(request: ApiRequest, area: str = QueryParam(..., pattern=r"^\d{6,17}$")) -> list[AssignmentOut]:
    scope = area_get(code=area)
    qs = selectors.assignments_in(user=request.auth, area=scope)[:1000]
    return [
        AssignmentOut(
            id=a.pk,
            user=str(a.user),
            kind=a.kind,
            kind_label=str(a.get_kind_display()),
            area_code=a.area_code,
            compound=a.compound.name if a.compound is not None else None,
            is_owner=a.is_owner,
            on_duty=a.on_duty,
            occupation=a.occupation,
        )
        for a in qs
    ]


class OrganisationOut(Schema):
    id: int
    name: str
    kind: str
    contact_name: str
    phone: str
    area_codes: list[str]


@router.get("/departments", response=list[OrganisationOut], summary="Departments serving your areas")
def list_departments(request: ApiRequest) -> list[OrganisationOut]:
    return [_org_out(d) for d in selectors.organisations_visible(user=request.auth, model=Department)]


@router.get("/partners", response=list[OrganisationOut], summary="Partner organisations serving your areas")
def list_partners(request: ApiRequest) -> list[OrganisationOut]:
    return [_org_out(p) for p in selectors.organisations_visible(user=request.auth, model=Partner)]


def _org_out(org: Department | Partner) -> OrganisationOut:
    return OrganisationOut(
        id=org.pk,
        name=org.name,
        kind=org.kind,
        contact_name=org.contact_name,
        phone=org.phone_masked,
        area_codes=[a.code for a in org.areas.all()],
    )
