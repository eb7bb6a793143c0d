"""Pages of responsibilities, leading groups and commendations (document 4)."""

app_name = "responsibility"
urlpatterns = []
