from django.urls import include, path

from . import absence_views, activity_views, registry_views, views

app_name = "education"

urlpatterns = [
    path("mine/", views.my_hours, name="mine"),
    path("campaigns/", include("education.campaign_urls")),
    path("", include("education.party_school_urls")),
    path("", include("education.selfstudy_urls")),  # guests, self-study, closures (helper-b)
    path("branch/<int:branch_pk>/", views.activity_list, name="activities"),
    path("branch/<int:branch_pk>/new/", views.activity_create, name="create"),
    path("branch/<int:branch_pk>/compliance/", views.compliance, name="compliance"),
    path("branch/<int:branch_pk>/absences/", absence_views.absences, name="absences"),
    path("activities/<int:pk>/attendance/", views.attendance, name="attendance"),
    # Activity page and attachments (helper-a)
    path("activities/<int:pk>/", activity_views.activity_detail, name="detail"),
    path(
        "activities/<int:pk>/attachments/",
        activity_views.attachment_upload,
        name="attachment-upload",
    ),
    path("attachments/<int:pk>/", activity_views.attachment_download, name="attachment"),
    path(
        "attachments/<int:pk>/delete/", activity_views.attachment_delete, name="attachment-delete"
    ),
    # Registries: teachers, education bases, textbooks (helper-a)
    path("org/<int:org_pk>/registries/", registry_views.registries, name="registries"),
    *[
        route
        for kind, plural in (("teacher", "teachers"), ("base", "bases"), ("textbook", "textbooks"))
        for route in (
            path(
                f"org/<int:org_pk>/registries/{plural}/new/",
                registry_views.registry_form,
                {"kind": kind},
                name=f"{kind}-create",
            ),
            path(
                f"registries/{plural}/<int:pk>/edit/",
                registry_views.registry_form,
                {"kind": kind},
                name=f"{kind}-edit",
            ),
            path(
                f"registries/{plural}/<int:pk>/deactivate/",
                registry_views.registry_active,
                {"kind": kind, "active": False},
                name=f"{kind}-deactivate",
            ),
            path(
                f"registries/{plural}/<int:pk>/reactivate/",
                registry_views.registry_active,
                {"kind": kind, "active": True},
                name=f"{kind}-reactivate",
            ),
            path(
                f"registries/{plural}/<int:pk>/delete/",
                registry_views.registry_delete,
                {"kind": kind},
                name=f"{kind}-delete",
            ),
        )
    ],
]
