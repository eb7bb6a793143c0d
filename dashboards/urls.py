"""Pages of the dashboards, mounted at /dashboards/."""

from django.urls import path

from . import views

app_name = "dashboards"

urlpatterns = [
    path("", views.home, name="home"),
    path("org/<int:org_pk>/", views.org_dashboard, name="org"),
    path("org/<int:org_pk>/screen/", views.screen, name="screen"),
]
