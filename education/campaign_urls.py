"""URLs of the review campaigns, included under /education/campaigns/ in the
education namespace."""

from django.urls import path

from . import campaign_views as views

urlpatterns = [
    path("branch/<int:branch_pk>/", views.campaign_branch, name="campaign_branch"),
    path("branch/<int:branch_pk>/start/", views.campaign_start, name="campaign_start"),
    path("org/<int:org_pk>/", views.campaign_org, name="campaign_org"),
    path("org/<int:org_pk>/schedule/", views.campaign_schedule, name="campaign_schedule"),
    path("<int:pk>/", views.campaign_detail, name="campaign_detail"),
    path("<int:pk>/steps/", views.campaign_step, name="campaign_step"),
    path("<int:pk>/update/", views.campaign_update, name="campaign_update"),
    path("<int:pk>/close/", views.campaign_close, name="campaign_close"),
    path("<int:pk>/handling/", views.campaign_handling, name="campaign_handling"),
]
