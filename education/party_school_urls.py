"""Party-school rotation, leaders' lectures and reminders (included by education/urls.py)."""

from django.urls import path

from . import party_school_views as views

urlpatterns = [
    path("org/<int:org_pk>/party-school/", views.party_school, name="party-school"),
    path(
        "org/<int:org_pk>/party-school/posts/new/",
        views.party_worker_create,
        name="party-worker-create",
    ),
    path(
        "org/<int:org_pk>/party-school/trainings/new/",
        views.party_school_training_create,
        name="party-school-training-create",
    ),
    path("party-workers/<int:pk>/end/", views.party_worker_end, name="party-worker-end"),
    path("org/<int:org_pk>/leader-lectures/", views.leader_lectures, name="leader-lectures"),
    path("org/<int:org_pk>/reminders/", views.reminders, name="reminders"),
    path("reminders/<int:pk>/resolve/", views.reminder_resolve, name="reminder-resolve"),
]
