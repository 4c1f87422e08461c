"""A minimal Flask SP on pysaml2 (PyPI), configured as its documentation says: no unsolicited
responses, signed assertions wanted, xmlsec1 as the signature backend, the SP key pair for
decryption. Outstanding requests are kept per browser and dropped once answered, as
djangosaml2 does, but in Flask's default session, a signed cookie: the cookie a login was
posted with still holds its request, and pysaml2 keeps no used-assertion IDs (prot/replay).

Environment: SP_BASE_URL (http://127.0.0.1:PORT), SP_PORT, IDP_METADATA (file, read again
whenever its content changes), SP_KEY and SP_CERT (PEM files).
Routes: /login (SP-initiated), /acs, /me (JSON: name_id, attributes), /metadata.
RelayState is not used: the ACS always sends the browser to /me.
"""
import os
import secrets
import threading

from flask import Flask, jsonify, redirect, request, session
from saml2 import BINDING_HTTP_POST
from saml2.client import Saml2Client
from saml2.config import SPConfig
from saml2.metadata import create_metadata_string
from saml2.saml import NAMEID_FORMAT_EMAILADDRESS

BASE = os.environ["SP_BASE_URL"]
KEY, CERT = os.environ["SP_KEY"], os.environ["SP_CERT"]

LOADED = {"metadata": None}
LOADED_LOCK = threading.Lock()  # Flask serves requests on threads


def client():
    """The client for the IdP metadata file as it is now: configured again whenever the file's
    content changes, as an app that refreshes IdP metadata does."""
    with LOADED_LOCK:  # read and compare under the lock: a slower request never goes back
        with open(os.environ["IDP_METADATA"]) as f:
            metadata = f.read()
        if metadata == LOADED["metadata"]:
            return LOADED["client"]
        config = SPConfig()
        config.load(
            {
                "entityid": BASE + "/metadata",
                "metadata": {"inline": [metadata]},
                "service": {
                    "sp": {
                        "endpoints": {
                            "assertion_consumer_service": [(BASE + "/acs", BINDING_HTTP_POST)]
                        },
                        "allow_unsolicited": False,
                        "authn_requests_signed": False,
                        "want_assertions_signed": True,
                        "want_response_signed": False,
                        "name_id_format": NAMEID_FORMAT_EMAILADDRESS,
                    }
                },
                "key_file": KEY,
                "cert_file": CERT,
                "encryption_keypairs": [{"key_file": KEY, "cert_file": CERT}],
                "xmlsec_binary": "/usr/bin/xmlsec1",
                "allow_unknown_attributes": True,
            }
        )
        LOADED.update(metadata=metadata, client=Saml2Client(config=config))
        return LOADED["client"]


app = Flask(__name__)
app.secret_key = secrets.token_bytes(32)


@app.route("/login")
def login():
    request_id, info = client().prepare_for_authenticate()
    session["outstanding"] = {request_id: "/me"}
    return redirect(dict(info["headers"])["Location"])


@app.route("/acs", methods=["POST"])
def acs():
    outstanding = session.get("outstanding", {})
    try:
        response = client().parse_authn_request_response(
            request.form.get("SAMLResponse", ""), BINDING_HTTP_POST, outstanding
        )
    except Exception as e:  # pysaml2 raises many types; each is a refusal
        return jsonify(error="login refused", reason=f"{type(e).__name__}: {e}"), 403
    if response is None:
        return jsonify(error="login refused", reason="no response"), 403
    session.pop("outstanding", None)
    session["name_id"] = response.get_subject().text
    session["attributes"] = response.ava
    return redirect("/me", code=303)


@app.route("/me")
def me():
    if "name_id" not in session:
        return redirect("/login")
    return jsonify(name_id=session["name_id"], attributes=session["attributes"])


@app.route("/metadata")
def metadata():
    return create_metadata_string(None, config=client().config, valid=4), 200, {"Content-Type": "text/xml"}


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=int(os.environ["SP_PORT"]))
