from . import urls_pdf, urls_registry, urls_reports, urls_workflow

app_name = "mobility"

urlpatterns = [
    # First: certificates/<pk>/pdf/ would otherwise match certificates/<pk>/<step>/.
    *urls_pdf.urlpatterns,  # the certificate PDF
    *urls_workflow.urlpatterns,  # episodes, certificate steps, entries, timeline
    *urls_reports.urlpatterns,  # members' reports, lost contact, inflow opinions
    *urls_registry.urlpatterns,  # the information database, year-end reports
]
