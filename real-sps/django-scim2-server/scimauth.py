"""The bearer-token check django-scim2-server calls for every request."""
import hmac

from django.conf import settings


def bearer_token_matches(request):
    given = request.META.get("HTTP_AUTHORIZATION", "")
    return given.startswith("Bearer ") and hmac.compare_digest(given[7:], settings.SCIM_TOKEN)
