"""A minimal Django SP on django-allauth's SAML provider (python3-saml inside), one organization
("contoso") set up from the IdP's metadata in allauth's settings format: the IdP's entity ID,
sign-on and sign-out URLs and certificate; strict, assertions signed, IdP-initiated sign-on
accepted (`reject_idp_initiated_sso: False`: Entra's My Apps tiles start there), other options
at allauth's defaults. E-mail addresses need not be unique (`ACCOUNT_UNIQUE_EMAIL = False`):
with allauth's default, a response for a new NameID carrying a known address ends on a sign-up
form, so the page would not show whom the SAML layer accepted.

Environment: SP_PORT, IDP_METADATA (file; its directory holds the database).
Routes: /accounts/saml/contoso/login/ (SP-initiated), /accounts/saml/contoso/acs/,
/accounts/saml/contoso/sls/ (sign-out), /accounts/saml/contoso/metadata/, /me (JSON: name_id,
the account's uid, which allauth takes from the NameID unless a subject-id claim is sent; and
email).
"""
import os
import sys

import django
from django.conf import settings
from onelogin.saml2.idp_metadata_parser import OneLogin_Saml2_IdPMetadataParser

with open(os.environ["IDP_METADATA"]) as f:
    IDP = OneLogin_Saml2_IdPMetadataParser.parse(f.read())["idp"]
HOST = "127.0.0.1"
DATA = os.path.dirname(os.path.abspath(os.environ["IDP_METADATA"]))
# The first signing certificate (the parser lists several under x509certMulti).
CERT = IDP.get("x509cert") or IDP["x509certMulti"]["signing"][0]

settings.configure(
    DEBUG=False,
    SECRET_KEY="test-sp-only",
    ALLOWED_HOSTS=[HOST],
    ROOT_URLCONF=__name__,
    INSTALLED_APPS=[
        "django.contrib.auth",
        "django.contrib.contenttypes",
        "django.contrib.sessions",
        "django.contrib.messages",
        "allauth",
        "allauth.account",
        "allauth.socialaccount",
        "allauth.socialaccount.providers.saml",
    ],
    MIDDLEWARE=[
        "django.contrib.sessions.middleware.SessionMiddleware",
        "django.middleware.common.CommonMiddleware",
        "django.middleware.csrf.CsrfViewMiddleware",
        "django.contrib.auth.middleware.AuthenticationMiddleware",
        "django.contrib.messages.middleware.MessageMiddleware",
        "allauth.account.middleware.AccountMiddleware",
    ],
    TEMPLATES=[
        {
            "BACKEND": "django.template.backends.django.DjangoTemplates",
            "APP_DIRS": True,
            "OPTIONS": {
                "context_processors": [
                    "django.template.context_processors.request",
                    "django.contrib.auth.context_processors.auth",
                    "django.contrib.messages.context_processors.messages",
                ]
            },
        }
    ],
    DATABASES={
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.path.join(DATA, "db.sqlite3"),
        }
    },
    AUTHENTICATION_BACKENDS=["allauth.account.auth_backends.AuthenticationBackend"],
    USE_TZ=True,
    DEFAULT_AUTO_FIELD="django.db.models.BigAutoField",
    LOGIN_URL="/accounts/saml/contoso/login/",
    LOGIN_REDIRECT_URL="/me",
    ACCOUNT_EMAIL_VERIFICATION="none",
    ACCOUNT_UNIQUE_EMAIL=False,
    SOCIALACCOUNT_AUTO_SIGNUP=True,
    SOCIALACCOUNT_EMAIL_VERIFICATION="none",
    # GET on the login URL goes straight to the IdP (no confirmation page).
    SOCIALACCOUNT_LOGIN_ON_GET=True,
    SOCIALACCOUNT_PROVIDERS={
        "saml": {
            "APPS": [
                {
                    "name": "Microsoft Entra ID",
                    "provider_id": IDP["entityId"],
                    "client_id": "contoso",
                    "settings": {
                        "idp": {
                            "entity_id": IDP["entityId"],
                            "sso_url": IDP["singleSignOnService"]["url"],
                            "slo_url": IDP.get("singleLogoutService", {}).get("url"),
                            "x509cert": CERT,
                        },
                        "advanced": {
                            "strict": True,
                            "want_assertion_signed": True,
                            "reject_idp_initiated_sso": False,
                        },
                    },
                }
            ]
        }
    },
)
django.setup()

from django.core.management import call_command  # noqa: E402
from django.http import HttpResponseRedirect, JsonResponse  # noqa: E402
from django.urls import include, path  # noqa: E402


def me(request):
    """The signed-in user: the NameID allauth keeps as the SAML account's uid, and the e-mail."""
    if not request.user.is_authenticated:
        return HttpResponseRedirect(settings.LOGIN_URL)
    account = request.user.socialaccount_set.first()
    return JsonResponse(
        {
            "name_id": account.uid if account else None,
            "email": request.user.email,
        }
    )


urlpatterns = [path("accounts/", include("allauth.urls")), path("me", me)]

if __name__ == "__main__":
    call_command("migrate", verbosity=0)
    sys.argv = [sys.argv[0]]
    call_command(
        "runserver",
        f"{HOST}:{os.environ['SP_PORT']}",
        use_reloader=False,
        verbosity=0,
    )
