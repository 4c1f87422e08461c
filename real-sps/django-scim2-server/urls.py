"""The SCIM endpoints under /scim/v2/."""
from django.urls import include, path

urlpatterns = [path("scim/v2/", include("django_scim2_server.urls"))]
