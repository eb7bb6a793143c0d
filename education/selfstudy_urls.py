"""Guests, self-study and closed years (included by education/urls.py)."""

from django.urls import path

from . import selfstudy_views, views

urlpatterns = [
    path(
        "activities/<int:pk>/guests/<int:member_pk>/remove/",
        views.guest_remove,
        name="guest-remove",
    ),
    path("mine/plan/", selfstudy_views.plan_save, name="plan-save"),
    path("mine/self-study/add/", selfstudy_views.self_study_add, name="self-study-add"),
    path(
        "mine/self-study/<int:pk>/delete/",
        selfstudy_views.self_study_delete,
        name="self-study-delete",
    ),
    path(
        "branch/<int:branch_pk>/self-study/",
        selfstudy_views.branch_self_study,
        name="branch-self-study",
    ),
    path("org/<int:org_pk>/closures/", selfstudy_views.closures, name="closures"),
    path("org/<int:org_pk>/closures/close/", selfstudy_views.year_close, name="year-close"),
]
