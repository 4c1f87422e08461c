// A minimal SP on saml2-js (npm), configured as its README says: the IdP's sign-on URL and
// certificate, unencrypted assertions allowed (Entra encrypts only when told to), the
// audience check on (the SP's entity ID). saml2-js returns the Response's InResponseTo and
// leaves checking it to the application: this one compares it with the request it sent
// this browser.
//
// Environment: SP_BASE_URL (http://127.0.0.1:PORT), SP_PORT, IDP_METADATA (file),
// SP_KEY and SP_CERT (PEM files: decryption key and the certificate published for it).
// Routes: /login (SP-initiated), /acs, /me (JSON: name_id, attributes), /metadata.
// RelayState is not used: the ACS always sends the browser to /me.
"use strict";
const fs = require("node:fs");
const util = require("node:util");
const saml2 = require("saml2-js");
const { idpFromMetadata, Sessions, send, readForm, serve, refuse } = require("../node-sp.js");

const BASE = process.env.SP_BASE_URL;
const metadata = idpFromMetadata(process.env.IDP_METADATA);
const sp = new saml2.ServiceProvider({
  entity_id: BASE + "/metadata",
  private_key: fs.readFileSync(process.env.SP_KEY, "utf8"),
  certificate: fs.readFileSync(process.env.SP_CERT, "utf8"),
  assert_endpoint: BASE + "/acs",
  nameid_format: "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress",
  allow_unencrypted_assertion: true,
});
const idp = new saml2.IdentityProvider({
  sso_login_url: metadata.ssoUrl,
  sso_logout_url: metadata.ssoUrl,
  certificates: [metadata.certificate],
});
const sessions = new Sessions(); // { request_id } before the login, { name_id, attributes } after
const loginUrl = util.promisify((cb) =>
  sp.create_login_request_url(idp, {}, (err, url, id) => cb(err, { url, id })),
);
const assert = util.promisify((body, cb) => sp.post_assert(idp, { request_body: body }, cb));

serve(sessions, async (req, res, url) => {
  if (req.method === "GET" && url.pathname === "/login") {
    const login = await loginUrl();
    return send(res, 302, { Location: login.url, "Set-Cookie": sessions.open({ request_id: login.id }) }, "");
  }
  if (req.method === "POST" && url.pathname === "/acs") {
    const form = await readForm(req);
    const pending = sessions.of(req);
    try {
      const response = await assert({ SAMLResponse: form.get("SAMLResponse") || "" });
      const inResponseTo = response.response_header.in_response_to;
      if (!pending || !pending.request_id || inResponseTo !== pending.request_id) {
        throw new Error(`InResponseTo ${JSON.stringify(inResponseTo)} is not the request sent to this browser`);
      }
      sessions.close(req);
      const cookie = sessions.open({ name_id: response.user.name_id, attributes: response.user.attributes });
      return send(res, 303, { Location: "/me", "Set-Cookie": cookie }, "");
    } catch (e) {
      return refuse(res, e);
    }
  }
  if (req.method === "GET" && url.pathname === "/metadata") {
    return send(res, 200, { "Content-Type": "text/xml" }, sp.create_metadata());
  }
});
