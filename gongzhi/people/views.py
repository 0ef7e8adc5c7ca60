"""The people pages: resident search and records, households, party organisations, the registration queue.

Each view parses the request, calls a selector or an action of this app (or accounts, for a registration), and
renders a template of templates/people/. Domain errors a view raises become the error page (core.middleware).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.db.models import Count, Prefetch, Q
from django.db.models.functions import Length
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from gongzhi.accounts import actions as account_actions
from gongzhi.accounts import rules
from gongzhi.accounts.models import Registration, RegistrationStatus
from gongzhi.areas import selectors as area_selectors
from gongzhi.areas.models import CODE_LENGTH, Area
from gongzhi.areas.selectors import code_range_q
from gongzhi.core import pii
from gongzhi.core.errors import DomainError, NotFound, PermissionDenied, ValidationFailed
from gongzhi.core.pages import page
from gongzhi.core.types import UserRequest
from gongzhi.people import actions as people_actions
from gongzhi.people import selectors as people_selectors
from gongzhi.people.models import PartyMember, PartyOrganization, PartyOrgKind, Resident

if TYPE_CHECKING:
    from gongzhi.accounts.models import User

PAGE_SIZE = 50
# Counting every match is a full index scan at district scale (1,000,000 residents); past this we say "more than".
COUNT_CAP = 1000
_CODE = re.compile(r"^\d{6,17}$")


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


# --------------------------------------------------------------------------- residents


def _area_choices(user: User) -> list[Area]:
    """The areas a user may filter by: their top areas and two levels below, enough to pick a grid."""
    tops = rules.scope_codes(user, "people.view")
    if "" in tops:
        tops = list(Area.objects.filter(parent__isnull=True).values_list("code", flat=True))
    lengths = list(CODE_LENGTH.values())
    q = Q(pk__in=[])
    for top in tops:
        deepest = lengths[min(lengths.index(len(top)) + 2, len(lengths) - 1)]
        q |= code_range_q(top) & Q(code_len__lte=deepest)
    return list(Area.objects.annotate(code_len=Length("code")).filter(q).defer("boundary").order_by("code")[:500])


@page("people.view")
@require_GET
def residents(request: UserRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:64]
    area_code = request.GET.get("area", "").strip()
    try:
        page_number = max(1, int(request.GET.get("page") or 1))
    except ValueError:
        page_number = 1
    area = None
    if area_code:
        if not _CODE.match(area_code):
            raise ValidationFailed(_("区域编码应为 6 到 17 位数字"), field="area")
        area = area_selectors.area_get(code=area_code)
    qs = people_selectors.resident_search(user=request.user, query=query, area=area)
    offset = (page_number - 1) * PAGE_SIZE
    found = list(qs.select_related("household").prefetch_related("tags")[offset : offset + PAGE_SIZE + 1])
    has_next = len(found) > PAGE_SIZE
    if not has_next and (found or page_number == 1):
        capped_total = offset + len(found)  # the last page tells the total without a second scan
    else:
        capped_total = qs.order_by()[: COUNT_CAP + 1].count()
    context: dict[str, Any] = {
        "query": query,
        "area": area,
        "rows": found[:PAGE_SIZE],
        "page_number": page_number,
        "has_next": has_next,
        "has_previous": page_number > 1,
        "total": capped_total if capped_total <= COUNT_CAP else None,
        "count_cap": COUNT_CAP,
        "first_index": offset + 1,
    }
    if _is_htmx(request):
        return render(request, "people/_resident_results.html", context)
    context["area_choices"] = _area_choices(request.user)
    return render(request, "people/residents.html", context)


def _resident_context(request: HttpRequest, resident: Resident) -> dict[str, Any]:
    area = Area.objects.defer("boundary").get(pk=resident.area_id)
    return {
        "resident": resident,
        "area": area,
        "ancestors": area_selectors.area_ancestors(area=area)[:-1],
        "can_unmask": rules.allows(request.user, "people.unmask", resident.area_code),
        "revealed": {},
    }


@page("people.view")
@require_GET
def resident_detail(request: UserRequest, resident_id: int) -> HttpResponse:
    resident = people_selectors.resident_get(user=request.user, resident_id=resident_id)
    return render(request, "people/resident_detail.html", _resident_context(request, resident))


@page("people.view")
@require_POST
def resident_reveal(request: UserRequest, resident_id: int) -> HttpResponse:
    resident = people_selectors.resident_get(user=request.user, resident_id=resident_id)
    field_name = request.POST.get("field", "")
    value = people_actions.pii_reveal(
        actor=request.user, record=resident, field=field_name, request=request, reason=request.POST.get("reason", "")
    )
    if _is_htmx(request):
        return render(request, "people/_revealed.html", {"value": value})
    context = _resident_context(request, resident)
    context["revealed"] = {field_name: value}
    return render(request, "people/resident_detail.html", context)


@page("people.view")
@require_GET
def household_detail(request: UserRequest, household_id: int) -> HttpResponse:
    household = people_selectors.household_get(user=request.user, household_id=household_id)
    area = Area.objects.defer("boundary").get(pk=household.area_id)
    unit = household.unit
    members = list(household.residents.prefetch_related("tags").order_by("id"))
    context = {
        "household": household,
        "area": area,
        "ancestors": area_selectors.area_ancestors(area=area)[:-1],
        "unit": unit,
        "building": unit.building if unit else None,
        "compound": unit.building.compound if unit else None,
        "members": members,
    }
    return render(request, "people/household_detail.html", context)


# --------------------------------------------------------------------------- party organisations


@dataclass
class OrgNode:
    org: PartyOrganization
    children: list[OrgNode] = field(default_factory=list)


# The index shows the two upper levels present in reach; deeper levels open from each organisation's page, so the
# page stays small at district scale (tens of thousands of building groups and central households).
PARTY_INDEX_DEPTH = 2


def _subtree_member_counts(orgs: Any) -> dict[int, int]:
    """Members of each organisation and everything below it; the party tree is at most four levels deep."""
    parents = dict(orgs.order_by().values_list("id", "parent_id"))
    direct = (
        PartyMember.objects.filter(organization_id__in=orgs.order_by().values("id"))
        .order_by()
        .values_list("organization_id")
        .annotate(n=Count("id"))
    )
    totals: dict[int, int] = {}
    for org_id, n in direct:
        node: int | None = org_id
        while node is not None and node in parents:
            totals[node] = totals.get(node, 0) + n
            node = parents[node]
    return totals


@page("party.view")
@require_GET
def party_index(request: UserRequest) -> HttpResponse:
    visible = people_selectors.party_orgs_visible(user=request.user)
    present = set(visible.order_by().values_list("kind", flat=True).distinct())
    kinds = [kind for kind in PartyOrgKind.values if kind in present][:PARTY_INDEX_DEPTH]
    orgs = list(
        visible.filter(kind__in=kinds)
        .select_related("area")
        .defer("area__boundary")
        .annotate(child_count=Count("children"))
    )
    totals = _subtree_member_counts(visible)
    for org in orgs:
        org.member_count = totals.get(org.pk, 0)
    nodes = {o.pk: OrgNode(o) for o in orgs}
    roots: list[OrgNode] = []
    for node in nodes.values():
        parent = nodes.get(node.org.parent_id) if node.org.parent_id else None
        (parent.children if parent else roots).append(node)
    context = {"roots": roots, "total": visible.count(), "shown": len(orgs)}
    return render(request, "people/party_index.html", context)


@page("party.view")
@require_GET
def party_detail(request: UserRequest, org_id: int) -> HttpResponse:
    org = people_selectors.party_org_get(user=request.user, org_id=org_id)
    members = list(
        org.members.prefetch_related(
            Prefetch("responsibility_zones"),
            Prefetch("service_posts"),
        ).order_by("id")
    )
    below = people_selectors.party_orgs_visible(user=request.user).filter(code_range_q(org.area_code, "area_code"))
    totals = _subtree_member_counts(below)
    children = list(below.filter(parent=org))
    for child in children:
        child.member_count = totals.get(child.pk, 0)
    parent = org.parent if org.parent and rules.allows(request.user, "party.view", org.parent.area_code) else None
    area = Area.objects.defer("boundary").get(pk=org.area_id)
    context = {"org": org, "members": members, "children": children, "parent": parent, "area": area}
    return render(request, "people/party_detail.html", context)


# --------------------------------------------------------------------------- registration queue


def _registrations_context(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    pending = list(
        Registration.objects.filter(status=RegistrationStatus.PENDING)
        .filter(rules.scope_q(user, "registrations.confirm", field="community__code"))
        .select_related("community", "user")
        .defer("community__boundary")
        .order_by("created_at")[:200]
    )
    # During a PII_KEY rotation a registration and its resident may carry hashes under different keys: match on
    # every hash of the registration's number (its stored hash alone for registrations without the number).
    hashes_of = {
        r.pk: pii.lookup_hashes(pii.decrypt(r.id_number_encrypted)) if r.id_number_encrypted else [r.id_number_hash]
        for r in pending
    }
    candidates: dict[str, list[Resident]] = {}
    matched = (
        Resident.objects.filter(id_number_hash__in={h for hashes in hashes_of.values() for h in hashes})
        .filter(rules.scope_q(user, "registrations.confirm"))
        .select_related("household")
    )
    for resident in matched:
        candidates.setdefault(resident.id_number_hash, []).append(resident)
    rows = [(r, [c for h in hashes_of[r.pk] for c in candidates.get(h, [])]) for r in pending]
    return {"rows": rows, "error": None, "error_for": None}


@page("registrations.confirm")
@require_GET
def registrations(request: UserRequest) -> HttpResponse:
    return render(request, "people/registrations.html", _registrations_context(request))


@page("registrations.confirm")
@require_POST
def registration_decide(request: UserRequest, registration_id: int) -> HttpResponse:
    registration = Registration.objects.filter(pk=registration_id).select_related("community").first()
    if registration is None:
        raise NotFound(_("注册申请不存在"))
    rules.require(request.user, "registrations.confirm", registration.community.code)
    decision = request.POST.get("decision", "")
    if decision not in {"confirm", "reject"}:
        raise ValidationFailed(_("请选择确认或驳回"), field="decision")
    resident = None
    if decision == "confirm":
        resident_id = request.POST.get("resident", "")
        resident = Resident.objects.filter(pk=int(resident_id)).first() if resident_id.isdigit() else None
    try:
        account_actions.registration_decide(
            actor=request.user,
            registration=registration,
            confirm=decision == "confirm",
            resident=resident,
            reason=request.POST.get("reason", ""),
        )
    except (PermissionDenied, NotFound):
        raise
    except DomainError as exc:
        context = _registrations_context(request)
        context.update(error=exc.message, error_for=registration.pk)
        return render(request, "people/registrations.html", context, status=exc.status_code)
    if decision == "confirm":
        messages.success(request, _("已确认 %(name)s 的注册，并绑定到居民档案") % {"name": registration.full_name})
    else:
        messages.success(request, _("已驳回 %(name)s 的注册申请") % {"name": registration.full_name})
    return redirect("people:registrations")
