from django.urls import path

from gongzhi.accounts import views

app_name = "accounts"

urlpatterns = [
    path("2fa/", views.second_factor, name="second_factor"),
    path("security/", views.security, name="security"),
    path("tokens/", views.tokens, name="tokens"),
    path("tokens/<int:token_id>/revoke/", views.token_revoke, name="token_revoke"),
    path("otp-reset/", views.reset, name="reset"),
]
