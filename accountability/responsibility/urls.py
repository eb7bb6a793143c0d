"""Pages of responsibilities, leading groups and commendations (document 4)."""

from django.urls import path

from . import views

app_name = "responsibility"
urlpatterns = [
    path("org/<int:org_pk>/", views.assignments, name="assignments"),
    path("assignments/<int:pk>/end/", views.assignment_end, name="assignment_end"),
    path("org/<int:org_pk>/leading-group/", views.group, name="group"),
    path("leading-groups/<int:pk>/members/", views.group_seat_add, name="group_seat_add"),
    path("leading-groups/<int:pk>/meetings/", views.group_meeting_add, name="group_meeting_add"),
    path("leading-group-members/<int:pk>/end/", views.group_seat_end, name="group_seat_end"),
    path("org/<int:org_pk>/commendations/", views.commendations, name="commendations"),
    path(
        "commendations/<int:pk>/<str:step>/",
        views.commendation_decide,
        name="commendation_decide",
    ),
    path("org/<int:org_pk>/accountability/", views.records, name="records"),
    path("org/<int:org_pk>/contact-points/", views.contact_points, name="contact_points"),
]
