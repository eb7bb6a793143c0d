"""Pages of outreach: commitments, the public board, service posts."""

from django.urls import path

from . import views_commitments as views

urlpatterns = [
    path("commitments/mine/", views.my_commitments, name="my_commitments"),
    path("commitments/org/<int:org_pk>/", views.branch_commitments, name="commitments"),
    path("commitments/<int:pk>/", views.commitment_page, name="commitment"),
    path("commitments/<int:pk>/progress/", views.commitment_progress, name="commitment_progress"),
    path("commitments/<int:pk>/<str:step>/", views.commitment_step, name="commitment_step"),
    path("commitments/evidence/<int:pk>/", views.evidence_download, name="commitment_evidence"),
    path("commitments/evaluations/<int:pk>/hide/", views.evaluation_hide, name="evaluation_hide"),
    path("board/<str:token>/", views.board, name="board"),
    path("posts/org/<int:org_pk>/", views.posts_page, name="posts"),
    path("posts/<int:pk>/", views.post_page, name="post"),
    path("posts/<int:pk>/assign/", views.post_assign, name="post_assign"),
    path("posts/<int:pk>/apply/", views.post_apply, name="post_apply"),
    path("posts/holders/<int:pk>/log/", views.holder_log, name="holder_log"),
    path("posts/holders/<int:pk>/<str:step>/", views.holder_step, name="holder_step"),
]
