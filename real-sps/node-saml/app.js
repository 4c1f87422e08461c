// A minimal SP on @node-saml/node-saml (the SAML core of passport-saml), configured as its
// README says for an IdP that signs the assertion only (Entra's default), InResponseTo always
// validated, the SP key pair for decryption.
//
// Environment: SP_BASE_URL (http://127.0.0.1:PORT), SP_PORT, IDP_METADATA (file),
// SP_KEY and SP_CERT (PEM files: decryption key and the certificate published for it).
// Routes: /login (SP-initiated), /acs, /me (JSON: name_id, attributes), /metadata, /slo (the
// IdP's LogoutRequest by HTTP-Redirect, as Entra sends it, or by HTTP-POST, the binding
// node-saml's metadata advertises there).
// RelayState is not used: the ACS always sends the browser to /me.
"use strict";
const fs = require("node:fs");
const { SAML, ValidateInResponseTo } = require("@node-saml/node-saml");
const { idpFromMetadata, Sessions, send, readForm, serve, refuse } = require("../node-sp.js");

const BASE = process.env.SP_BASE_URL;
const idp = idpFromMetadata(process.env.IDP_METADATA);
const spCert = fs.readFileSync(process.env.SP_CERT, "utf8");
const saml = new SAML({
  callbackUrl: BASE + "/acs",
  entryPoint: idp.ssoUrl,
  issuer: BASE + "/metadata",
  idpIssuer: idp.entityId,
  idpCert: idp.certificate,
  identifierFormat: "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress",
  wantAssertionsSigned: true,
  wantAuthnResponseSigned: false,
  validateInResponseTo: ValidateInResponseTo.always,
  decryptionPvk: fs.readFileSync(process.env.SP_KEY, "utf8"),
  logoutCallbackUrl: BASE + "/slo",
});
const sessions = new Sessions();

serve(sessions, async (req, res, url) => {
  if (req.method === "GET" && url.pathname === "/login") {
    return send(res, 302, { Location: await saml.getAuthorizeUrlAsync("", url.host, {}) }, "");
  }
  if (req.method === "POST" && url.pathname === "/acs") {
    const form = await readForm(req);
    try {
      const { profile } = await saml.validatePostResponseAsync({ SAMLResponse: form.get("SAMLResponse") || "" });
      const { nameID, issuer, ...attributes } = profile;
      const cookie = sessions.open({ name_id: nameID, attributes });
      return send(res, 303, { Location: "/me", "Set-Cookie": cookie }, "");
    } catch (e) {
      return refuse(res, e);
    }
  }
  if (req.method === "GET" && url.pathname === "/slo") {
    // node-saml's Redirect entry point: the binding's parameters (each one's first value) and
    // the raw query for the signature; then the sessions of the NameID it names end.
    const q = url.searchParams;
    const container = {};
    for (const name of ["SAMLRequest", "SAMLResponse", "RelayState", "SigAlg", "Signature"]) {
      if (q.has(name)) container[name] = q.get(name);
    }
    try {
      const { profile } = await saml.validateRedirectAsync(container, url.search.slice(1));
      return send(res, 200, { "Content-Type": "text/plain" }, `signed out ${sessions.closeFor(profile && profile.nameID)} session(s)\n`);
    } catch (e) {
      return refuse(res, e);
    }
  }
  if (req.method === "POST" && url.pathname === "/slo") {
    // node-saml's POST entry point: the form's SAMLRequest, signed inside.
    const form = await readForm(req);
    try {
      const { profile } = await saml.validatePostRequestAsync({ SAMLRequest: form.get("SAMLRequest") || "" });
      return send(res, 200, { "Content-Type": "text/plain" }, `signed out ${sessions.closeFor(profile && profile.nameID)} session(s)\n`);
    } catch (e) {
      return refuse(res, e);
    }
  }
  if (req.method === "GET" && url.pathname === "/metadata") {
    return send(res, 200, { "Content-Type": "text/xml" }, saml.generateServiceProviderMetadata(spCert, null));
  }
});
