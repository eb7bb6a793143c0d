"""Pages of inspections and spot-checks (document 4)."""

app_name = "inspections"
urlpatterns = []
