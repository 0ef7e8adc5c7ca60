from django.urls import re_path

from gongzhi.open311 import views

app_name = "open311"

FMT = r"\.(?P<fmt>json|xml)$"

urlpatterns = [
    re_path(r"^discovery" + FMT, views.discovery, name="discovery"),
    re_path(r"^services" + FMT, views.services, name="services"),
    re_path(r"^services/(?P<code>[\w-]{1,48})" + FMT, views.service_definition, name="service"),
    re_path(r"^requests" + FMT, views.requests, name="requests"),
    re_path(r"^requests/(?P<request_id>[\w-]{1,32})" + FMT, views.request_detail, name="request"),
    re_path(r"^tokens/(?P<token>[\w-]{1,32})" + FMT, views.token, name="token"),
    re_path(r"^servicerequestupdates" + FMT, views.updates, name="updates"),
    re_path(r"^(?P<rest>.*)$", views.not_found),
]
