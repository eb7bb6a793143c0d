"""Episodes, certificate steps, entries, timeline (helper-m1)."""

from django.urls import path

from . import views

urlpatterns = [
    path("branch/<int:branch_pk>/", views.branch_page, name="branch"),
    path("episodes/<int:pk>/", views.episode_page, name="episode"),
    path("episodes/<int:pk>/request/", views.episode_request, name="episode_request"),
    path("episodes/<int:pk>/close/<str:step>/", views.episode_close, name="episode_close"),
    path("episodes/<int:pk>/dues-period/", views.episode_dues_period, name="episode_dues_period"),
    path(
        "certificates/<int:pk>/entries/<str:kind>/",
        views.certificate_entry,
        name="certificate_entry",
    ),
    path("certificates/<int:pk>/<str:step>/", views.certificate_step, name="certificate_step"),
    path("check-in/", views.check_in, name="check_in"),
    path("inflow/<int:org_pk>/", views.inflow_page, name="inflow"),
]
