"""Pages of annual written reports (document 4)."""

app_name = "written_reports"
urlpatterns = []
