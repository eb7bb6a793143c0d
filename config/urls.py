from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from accountability.api import routes as accountability_routes
from accountability.assessments.api import routes as assessments_routes
from accountability.inspections.api import routes as inspections_routes
from accountability.responsibility.api import routes as responsibility_routes
from accountability.written_reports.api import routes as written_reports_routes
from branches.api import MeView, OrganizationViewSet, RoleAssignmentViewSet
from branches.history import record_history
from dashboards.api import routes as dashboards_routes
from education.api import (
    ActivityViewSet,
    AttachmentViewSet,
    CampaignViewSet,
    EducationBaseViewSet,
    PartySpiritScheduleViewSet,
    TeacherViewSet,
    TextbookViewSet,
    YearStatusViewSet,
)
from education.party_school_api import (
    LeaderLectureViewSet,
    PartySchoolRotationViewSet,
    PartySchoolTrainingViewSet,
    PartyWorkerViewSet,
)
from education.selfstudy_api import SelfStudyViewSet, StudyPlanViewSet, YearClosureViewSet
from members.api import DuesViewSet, MemberViewSet, TransferViewSet
from mobility.api import CertificateViewSet, EpisodeViewSet
from mobility.pdf_views import verify_certificate
from mobility.registry_api import MobileDatabaseViewSet, MobilityYearReportViewSet
from mobility.report_api import InflowOpinionViewSet, MemberReportViewSet
from outreach.api import routes as outreach_routes
from reports.api import routes as reports_routes

from . import two_factor, views
from .health import healthz

router = DefaultRouter()
router.register("organizations", OrganizationViewSet, basename="organization")
router.register("role-assignments", RoleAssignmentViewSet, basename="role-assignment")
router.register("members", MemberViewSet, basename="member")
router.register("transfers", TransferViewSet, basename="transfer")
router.register("dues", DuesViewSet, basename="dues")
router.register("activities", ActivityViewSet, basename="activity")
router.register("education-years", YearStatusViewSet, basename="education-year")
router.register("party-workers", PartyWorkerViewSet, basename="party-worker")
router.register(
    "party-school-trainings", PartySchoolTrainingViewSet, basename="party-school-training"
)
router.register(
    "party-school-rotation", PartySchoolRotationViewSet, basename="party-school-rotation"
)
router.register("leader-lectures", LeaderLectureViewSet, basename="leader-lecture")
router.register("attachments", AttachmentViewSet, basename="attachment")
router.register("teachers", TeacherViewSet, basename="teacher")
router.register("education-bases", EducationBaseViewSet, basename="education-base")
router.register("textbooks", TextbookViewSet, basename="textbook")
router.register("self-study", SelfStudyViewSet, basename="self-study")
router.register("study-plans", StudyPlanViewSet, basename="study-plan")
router.register("education-closures", YearClosureViewSet, basename="education-closure")
router.register("campaigns", CampaignViewSet, basename="campaign")
router.register(
    "party-spirit-schedules", PartySpiritScheduleViewSet, basename="party-spirit-schedule"
)
router.register("mobile-episodes", EpisodeViewSet, basename="mobile-episode")
router.register("certificates", CertificateViewSet, basename="certificate")
router.register("mobile-reports", MemberReportViewSet, basename="mobile-report")
router.register("inflow-opinions", InflowOpinionViewSet, basename="inflow-opinion")
router.register("mobile-database", MobileDatabaseViewSet, basename="mobile-database")
router.register("mobility-year-reports", MobilityYearReportViewSet, basename="mobility-year-report")
for prefix, viewset, basename in [
    *outreach_routes,
    *accountability_routes,
    *responsibility_routes,
    *written_reports_routes,
    *assessments_routes,
    *inspections_routes,
    *dashboards_routes,
    *reports_routes,
]:
    router.register(prefix, viewset, basename=basename)

api_v1 = [
    path("me/", MeView.as_view(), name="me"),
    *router.urls,
]

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", healthz, name="healthz"),
    path("orgs/", include("branches.urls")),
    path("members/import/", include("members.import_urls")),
    path("members/", include("members.urls")),
    path("education/", include("education.urls")),
    path("mobility/", include("mobility.urls")),
    path("outreach/", include("outreach.urls")),
    path("accountability/responsibility/", include("accountability.responsibility.urls")),
    path("accountability/written-reports/", include("accountability.written_reports.urls")),
    path("accountability/assessments/", include("accountability.assessments.urls")),
    path("accountability/inspections/", include("accountability.inspections.urls")),
    path("accountability/figures/", include("accountability.figure_urls")),
    path("accountability/", include("accountability.urls")),
    path("dashboards/", include("dashboards.urls")),
    path("reports/", include("reports.urls")),
    path("verify/<str:code>/", verify_certificate, name="verify_certificate"),
    path("history/<str:label>/<int:pk>/", record_history, name="record_history"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/two-factor/", two_factor.setup, name="two_factor"),
    path("accounts/two-factor/verify/", two_factor.verify, name="two_factor_verify"),
    path("accounts/two-factor/disable/", two_factor.disable, name="two_factor_disable"),
    path(
        "accounts/password/change/",
        auth_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "accounts/password/change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/v1/", include((api_v1, "api"), namespace="v1")),
]
