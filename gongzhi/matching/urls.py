from django.urls import path

from gongzhi.matching import views, views_projects

app_name = "matching"

urlpatterns = [
    path("", views.home, name="home"),
    path("new/", views.new_demand, name="new"),
    path("demands/<int:demand_id>/", views.demand_detail, name="demand"),
    path("demands/<int:demand_id>/act/", views.demand_action, name="act"),
    path("wishes/", views.wish_wall, name="wishes"),
    path("tasks/", views.tasks, name="tasks"),
    path("dispatch/", views.dispatch, name="dispatch"),
    path("lists/", views.lists, name="lists"),
    path("resources/", views.resources, name="resources"),
    path("pools/", views.pools, name="pools"),
    path("projects/", views_projects.project_list, name="projects"),
    path("projects/<int:project_id>/", views_projects.project_detail, name="project"),
    path("projects/<int:project_id>/act/", views_projects.project_act, name="project_act"),
    path("public/projects/<int:project_id>/", views_projects.public_timeline, name="public_project"),
]
