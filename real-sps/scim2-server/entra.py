"""scim2-server (PyPI) configured for Microsoft Entra's provisioning client.

The `scim2-server` command serves the strict reading of RFC 7643/7644. scim2-models, which
it is built on, names three tolerances "as Microsoft Entra sends it" in its `ScimPolicy`;
an administrator connecting the server to Entra switches them on. This launcher is that
command with the policy set, nothing else:

- unknown=ignore: Entra names Microsoft's ADSCIM Group schema beside the core one;
- remove_value_as_filter=apply: Entra removes group members by a value list;
- unmatched_path_filter=create: Entra writes `emails[type eq "work"].value` before the
  entry exists.

Usage: entra.py --port PORT --bearer-token TOKEN (listens on 127.0.0.1 only).
"""

import argparse
import secrets
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIServer, make_server

from scim2_models import ScimPolicy, ScimProvider
from scim2_server.memory import InMemoryStorage
from scim2_server.service import ScimService
from scim2_server.testserver.application import (
    BEARER_TOKEN_SCHEME,
    BearerTokenApplication,
)
from scim2_server.utils import (
    load_default_resource_types,
    load_default_schemas,
    load_default_service_provider_config,
)

ENTRA = ScimPolicy(
    unknown=ScimPolicy.Unknown.ignore,
    remove_value_as_filter=ScimPolicy.RemoveValue.apply,
    unmatched_path_filter=ScimPolicy.UnmatchedPathFilter.create,
)


class ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    """One thread per request, as the `scim2-server` command serves."""

    daemon_threads = True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--bearer-token", required=True)
    args = parser.parse_args()

    config = load_default_service_provider_config()
    config.authentication_schemes = [
        *(config.authentication_schemes or []),
        BEARER_TOKEN_SCHEME,
    ]
    provider = ScimProvider.from_discovery(
        load_default_schemas().values(),
        load_default_resource_types().values(),
        config=config,
        policy=ENTRA,
    )
    service = ScimService(provider, secret=secrets.token_urlsafe(32))
    app = BearerTokenApplication(
        InMemoryStorage(), provider, service=service, bearer_tokens=[args.bearer_token]
    )
    with make_server(
        "127.0.0.1", args.port, app, server_class=ThreadingWSGIServer
    ) as server:
        print(f"Serving SCIM on http://127.0.0.1:{args.port}/v2", flush=True)
        server.serve_forever()


if __name__ == "__main__":
    main()
