"""Pages of assessments (document 4)."""

app_name = "assessments"
urlpatterns = []
