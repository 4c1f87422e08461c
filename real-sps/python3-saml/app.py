"""A minimal Flask SP on python3-saml (OneLogin), configured as its documentation says, strict.

Environment: SP_BASE_URL (http://127.0.0.1:PORT), SP_PORT, IDP_METADATA (file).
Routes: /login (SP-initiated), /acs, /me (JSON: name_id, attributes), /metadata.
"""
import os
import secrets

from flask import Flask, jsonify, redirect, request, session
from onelogin.saml2.auth import OneLogin_Saml2_Auth
from onelogin.saml2.idp_metadata_parser import OneLogin_Saml2_IdPMetadataParser

BASE = os.environ["SP_BASE_URL"]
with open(os.environ["IDP_METADATA"]) as f:
    IDP = OneLogin_Saml2_IdPMetadataParser.parse(f.read())

SETTINGS = OneLogin_Saml2_IdPMetadataParser.merge_settings(
    {
        "strict": True,
        "debug": False,
        "sp": {
            "entityId": BASE + "/metadata",
            "assertionConsumerService": {
                "url": BASE + "/acs",
                "binding": "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST",
            },
            "NameIDFormat": "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress",
        },
        "security": {
            "wantAssertionsSigned": True,
            # Require the class it asks for (Entra echoes PasswordProtectedTransport).
            "requestedAuthnContext": [
                "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"
            ],
            "failOnAuthnContextMismatch": True,
        },
    },
    IDP,
)

app = Flask(__name__)
app.secret_key = secrets.token_bytes(32)
SEEN_ASSERTIONS = set()  # the replay cache the toolkit's docs tell applications to keep


def saml_auth():
    req = {
        "https": "off",
        "http_host": request.host,
        "script_name": request.path,
        "get_data": request.args.copy(),
        "post_data": request.form.copy(),
    }
    return OneLogin_Saml2_Auth(req, SETTINGS)


@app.route("/login")
def login():
    auth = saml_auth()
    url = auth.login(return_to=BASE + "/me")
    session["request_id"] = auth.get_last_request_id()
    return redirect(url)


@app.route("/acs", methods=["POST"])
def acs():
    auth = saml_auth()
    auth.process_response(request_id=session.get("request_id"))
    errors = auth.get_errors()
    if errors or not auth.is_authenticated():
        return jsonify(error="login refused", reason=auth.get_last_error_reason(), errors=errors), 403
    assertion_id = auth.get_last_assertion_id()
    if assertion_id in SEEN_ASSERTIONS:
        return jsonify(error="login refused", reason="replayed assertion"), 403
    SEEN_ASSERTIONS.add(assertion_id)
    session.pop("request_id", None)
    session["name_id"] = auth.get_nameid()
    session["attributes"] = auth.get_attributes()
    return redirect(request.form.get("RelayState") or "/me", code=303)


@app.route("/me")
def me():
    if "name_id" not in session:
        return redirect("/login")
    return jsonify(name_id=session["name_id"], attributes=session["attributes"])


@app.route("/metadata")
def metadata():
    return saml_auth().get_settings().get_sp_metadata(), 200, {"Content-Type": "text/xml"}


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=int(os.environ["SP_PORT"]))
