// A minimal SP on samlify (npm), as its README sets it up: a schema validator first
// (@authenio/samlify-node-xmllint), the IdP from its metadata, assertions signed. samlify
// hands the application what it extracted and leaves the rest to it; like a careful
// application, this one also checks the Audience and that InResponseTo names the request it
// sent this browser.
//
// Environment: SP_BASE_URL (http://127.0.0.1:PORT), SP_PORT, IDP_METADATA (file, read again
// whenever its content changes).
// Routes: /login (SP-initiated), /acs, /me (JSON: name_id, attributes), /metadata, /slo (the
// IdP's LogoutRequest by HTTP-POST, signed: wantLogoutRequestSigned, as samlify's README sets
// up single logout; the sessions of the NameID it names end).
// RelayState is not used: the ACS always sends the browser to /me.
"use strict";
const fs = require("node:fs");
const samlify = require("samlify");
const validator = require("@authenio/samlify-node-xmllint");
const { Sessions, send, readForm, serve, refuse } = require("../node-sp.js");

samlify.setSchemaValidator(validator);

const BASE = process.env.SP_BASE_URL;
const { binding, format } = samlify.Constants.namespace;
// The IdP from its metadata file, built again whenever the file's content changes (as an app
// that refreshes IdP metadata does).
let loaded = { metadata: null, idp: null };
function currentIdp() {
  const metadata = fs.readFileSync(process.env.IDP_METADATA, "utf8");
  if (metadata !== loaded.metadata) {
    loaded = { metadata, idp: samlify.IdentityProvider({ metadata }) };
  }
  return loaded.idp;
}
const sp = samlify.ServiceProvider({
  entityID: BASE + "/metadata",
  assertionConsumerService: [{ Binding: binding.post, Location: BASE + "/acs" }],
  singleLogoutService: [{ Binding: binding.post, Location: BASE + "/slo" }],
  nameIDFormat: [format.emailAddress],
  wantAssertionsSigned: true,
  wantLogoutRequestSigned: true,
});
const sessions = new Sessions(); // { request_id } before the login, { name_id, attributes } after

serve(sessions, async (req, res, url) => {
  if (req.method === "GET" && url.pathname === "/login") {
    const { id, context } = sp.createLoginRequest(currentIdp(), "redirect");
    return send(res, 302, { Location: context, "Set-Cookie": sessions.open({ request_id: id }) }, "");
  }
  if (req.method === "POST" && url.pathname === "/acs") {
    const form = await readForm(req);
    const pending = sessions.of(req);
    try {
      const { extract } = await sp.parseLoginResponse(currentIdp(), "post", {
        body: { SAMLResponse: form.get("SAMLResponse") || "" },
      });
      if (extract.audience !== sp.entityMeta.getEntityID()) {
        throw new Error(`audience ${JSON.stringify(extract.audience)} is not this SP`);
      }
      const inResponseTo = extract.response && extract.response.inResponseTo;
      if (!pending || !pending.request_id || inResponseTo !== pending.request_id) {
        throw new Error(`InResponseTo ${JSON.stringify(inResponseTo)} is not the request sent to this browser`);
      }
      sessions.close(req);
      const cookie = sessions.open({ name_id: extract.nameID, attributes: extract.attributes });
      return send(res, 303, { Location: "/me", "Set-Cookie": cookie }, "");
    } catch (e) {
      return refuse(res, e);
    }
  }
  if (req.method === "POST" && url.pathname === "/slo") {
    const form = await readForm(req);
    try {
      const { extract } = await sp.parseLogoutRequest(currentIdp(), "post", {
        body: { SAMLRequest: form.get("SAMLRequest") || "" },
      });
      return send(res, 200, { "Content-Type": "text/plain" }, `signed out ${sessions.closeFor(extract.nameID)} session(s)\n`);
    } catch (e) {
      return refuse(res, e);
    }
  }
  if (req.method === "GET" && url.pathname === "/metadata") {
    return send(res, 200, { "Content-Type": "text/xml" }, sp.getMetadata());
  }
});
