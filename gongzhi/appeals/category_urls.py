from django.urls import path

from gongzhi.appeals import category_views

app_name = "appeals_categories"

urlpatterns = [
    path("", category_views.categories_page, name="list"),
    path("<slug:code>/", category_views.category_edit, name="edit"),
]
