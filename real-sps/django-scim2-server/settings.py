"""Django settings that serve django-scim2-server (PyPI) at /scim/v2 for saml-harness's tests.

The database is a SQLite file named by SCIM_DB; the bearer token is SCIM_TOKEN.
"""
import os

SECRET_KEY = "saml-harness-tests-only"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1"]
INSTALLED_APPS = ["django.contrib.auth", "django.contrib.contenttypes", "django_scim2_server"]
MIDDLEWARE = []
ROOT_URLCONF = "urls"
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": os.environ["SCIM_DB"]}}
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
SCIM_TOKEN = os.environ["SCIM_TOKEN"]
SCIM2_SERVER_AUTH_CHECK = "scimauth.bearer_token_matches"
