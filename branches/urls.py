from django.urls import path

from . import views

app_name = "branches"

urlpatterns = [
    path("", views.tree, name="tree"),
    path("<int:pk>/", views.organization_detail, name="detail"),
    path("<int:pk>/children/", views.tree_children, name="children"),
    path("<int:pk>/new/", views.organization_create, name="create"),
    path("<int:pk>/move/", views.organization_move, name="move"),
    path("<int:pk>/roles/", views.role_list, name="roles"),
    path("<int:pk>/policies/", views.policy_list, name="policies"),
    path("<int:pk>/guidance/new/", views.guidance_create, name="guidance-create"),
    path("roles/<int:pk>/end/", views.role_end, name="role-end"),
]
