"""Pages of outreach: research days of leading cadres and the member's record."""

from django.urls import path

from . import views_research as views

urlpatterns = [
    path("mine/", views.mine, name="mine"),
    path("research/mine/", views.my_research, name="my_research"),
    path("research/org/<int:org_pk>/", views.research, name="research"),
    path("research/leader/<int:member_pk>/", views.leader_research, name="leader_research"),
    path("research/visits/<int:pk>/delete/", views.visit_delete, name="research_visit_delete"),
    path(
        "research/contact-points/<int:pk>/end/",
        views.contact_point_end,
        name="contact_point_end",
    ),
]
