"""A minimal Flask SP on python3-saml (OneLogin), configured as its documentation says, strict.

Environment: SP_BASE_URL (http://127.0.0.1:PORT), SP_PORT, IDP_METADATA (file, read again
whenever its content changes, as an app that refreshes IdP metadata does).
Routes: /login (SP-initiated), /acs, /me (JSON: name_id, attributes), /metadata, /slo (starts
a sign-out), /sls (takes the LogoutResponse; signed Redirect messages required there).
"""
import copy
import os
import secrets
import threading

from flask import Flask, jsonify, redirect, request, session
from onelogin.saml2.auth import OneLogin_Saml2_Auth
from onelogin.saml2.idp_metadata_parser import OneLogin_Saml2_IdPMetadataParser
from onelogin.saml2.logout_request import OneLogin_Saml2_Logout_Request
from onelogin.saml2.logout_response import OneLogin_Saml2_Logout_Response
from onelogin.saml2.utils import OneLogin_Saml2_Utils

BASE = os.environ["SP_BASE_URL"]

OWN_SETTINGS = {
    "strict": True,
    "debug": False,
    "sp": {
        "entityId": BASE + "/metadata",
        "assertionConsumerService": {
            "url": BASE + "/acs",
            "binding": "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST",
        },
        "NameIDFormat": "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress",
        "singleLogoutService": {
            "url": BASE + "/sls",
            "binding": "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect",
        },
    },
    "security": {
        "wantAssertionsSigned": True,
        # Require the class it asks for (Entra echoes PasswordProtectedTransport).
        "requestedAuthnContext": [
            "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"
        ],
        "failOnAuthnContextMismatch": True,
    },
}

LOADED = {"metadata": None}
LOADED_LOCK = threading.Lock()  # Flask serves requests on threads


def settings(slo=False):
    """The toolkit's settings for the IdP metadata file as it is now (parsed again when it
    changed). Sign-out messages (`slo`) must carry the Redirect binding's query signature
    (login Responses are signed on the Assertion only, as Entra does, so not for /acs)."""
    with LOADED_LOCK:  # read and compare under the lock: a slower request never goes back
        with open(os.environ["IDP_METADATA"]) as f:
            metadata = f.read()
        if metadata != LOADED["metadata"]:
            idp = OneLogin_Saml2_IdPMetadataParser.parse(metadata)
            login = OneLogin_Saml2_IdPMetadataParser.merge_settings(
                copy.deepcopy(OWN_SETTINGS), idp
            )
            logout = copy.deepcopy(login)
            logout["security"]["wantMessagesSigned"] = True
            LOADED.update(metadata=metadata, login=login, logout=logout)
        return LOADED["logout" if slo else "login"]

app = Flask(__name__)
app.secret_key = secrets.token_bytes(32)
SEEN_ASSERTIONS = set()  # the replay cache the toolkit's docs tell applications to keep


def request_data():
    return {
        "https": "off",
        "http_host": request.host,
        "script_name": request.path,
        "get_data": request.args.copy(),
        "post_data": request.form.copy(),
        # Verify Redirect signatures over the query as received: Microsoft percent-encodes in
        # lower case, which re-encoding would break (the toolkit's README).
        "query_string": request.query_string.decode(),
        "validate_signature_from_qs": True,
    }


def saml_auth(slo=False):
    return OneLogin_Saml2_Auth(request_data(), settings(slo))


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
    return redirect(local_path(request.form.get("RelayState")) or "/me", code=303)


def local_path(relay_state):
    """RelayState if it is a path on this site as a browser reads it, else None.

    python3-saml leaves RelayState to the application; Python's urlparse and a browser
    disagree on backslashes and tabs, so anything but a plain single-slash path is refused.
    """
    if not relay_state or not relay_state.startswith("/") or relay_state.startswith("//"):
        return None
    if "\\" in relay_state or any(ord(c) < 0x21 or ord(c) == 0x7F for c in relay_state):
        return None
    return relay_state


@app.route("/me")
def me():
    if "name_id" not in session:
        return redirect("/login")
    return jsonify(name_id=session["name_id"], attributes=session["attributes"])


@app.route("/slo")
def slo():
    auth = saml_auth()
    url = auth.logout(return_to=BASE + "/me")
    session["logout_request_id"] = auth.get_last_request_id()
    return redirect(url)


@app.route("/sls")
def sls():
    auth = saml_auth(slo=True)
    request_id = session.get("logout_request_id")
    # An IdP's LogoutRequest ends this session only when it names this session's user (as
    # python3-saml's README asks of the application: it does not compare them itself); it is
    # read from the same get_data process_slo reads.
    named = None
    if "SAMLRequest" in request.args:
        try:
            xml = OneLogin_Saml2_Utils.decode_base64_and_inflate(request.args["SAMLRequest"])
            named = OneLogin_Saml2_Logout_Request.get_nameid(xml)
        except Exception:  # an unreadable message: process_slo refuses it
            named = None

    def end_session():
        if "SAMLRequest" not in request.args or named == session.get("name_id"):
            session.clear()

    auth.process_slo(request_id=request_id, delete_session_cb=end_session)
    errors = auth.get_errors()
    if errors:
        # process_slo keeps no reason for an invalid LogoutResponse: ask the message itself.
        reason = auth.get_last_error_reason()
        if reason is None and "SAMLResponse" in request.args:
            response = OneLogin_Saml2_Logout_Response(auth.get_settings(), request.args["SAMLResponse"])
            response.is_valid(request_data(), request_id)
            reason = response.get_error()
        return jsonify(error="logout refused", reason=reason, errors=errors), 403
    return jsonify(logged_out=True)


@app.route("/metadata")
def metadata():
    return saml_auth().get_settings().get_sp_metadata(), 200, {"Content-Type": "text/xml"}


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=int(os.environ["SP_PORT"]))
