// A minimal SP on @node-saml/node-saml (the SAML core of passport-saml), configured as its
// README says for an IdP that signs the assertion only (Entra's default), InResponseTo always
// validated. Node's own http module, no framework.
//
// Environment: SP_BASE_URL (http://127.0.0.1:PORT), SP_PORT, IDP_METADATA (file),
// SP_KEY and SP_CERT (PEM files: decryption key and the certificate published for it).
// Routes: /login (SP-initiated), /acs, /me (JSON: name_id, attributes), /metadata.
// RelayState is not used: the ACS always sends the browser to /me.
"use strict";
const crypto = require("node:crypto");
const fs = require("node:fs");
const http = require("node:http");
const { DOMParser } = require("@xmldom/xmldom");
const { SAML, ValidateInResponseTo } = require("@node-saml/node-saml");

const BASE = process.env.SP_BASE_URL;
const MD = "urn:oasis:names:tc:SAML:2.0:metadata";
const DS = "http://www.w3.org/2000/09/xmldsig#";
const REDIRECT = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect";

// The IdP's entity ID, sign-on URL and signing certificate, from its metadata.
const metadata = new DOMParser().parseFromString(fs.readFileSync(process.env.IDP_METADATA, "utf8"), "text/xml");
const descriptor = metadata.getElementsByTagNameNS(MD, "EntityDescriptor")[0];
const sso = Array.from(metadata.getElementsByTagNameNS(MD, "SingleSignOnService")).find(
  (e) => e.getAttribute("Binding") === REDIRECT,
);
const signing = Array.from(metadata.getElementsByTagNameNS(MD, "KeyDescriptor")).find(
  (k) => (k.getAttribute("use") || "signing") === "signing",
);
const idpCert = signing.getElementsByTagNameNS(DS, "X509Certificate")[0].textContent.replace(/\s+/g, "");
const spCert = fs.readFileSync(process.env.SP_CERT, "utf8");

const saml = new SAML({
  callbackUrl: BASE + "/acs",
  entryPoint: sso.getAttribute("Location"),
  issuer: BASE + "/metadata",
  idpIssuer: descriptor.getAttribute("entityID"),
  idpCert,
  identifierFormat: "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress",
  wantAssertionsSigned: true,
  wantAuthnResponseSigned: false,
  validateInResponseTo: ValidateInResponseTo.always,
  decryptionPvk: fs.readFileSync(process.env.SP_KEY, "utf8"),
});

const sessions = new Map();

function send(res, status, headers, body) {
  res.writeHead(status, headers);
  res.end(body);
}

function json(res, status, value, headers = {}) {
  send(res, status, { "Content-Type": "application/json", ...headers }, JSON.stringify(value));
}

function sessionOf(req) {
  const match = /(?:^|;\s*)sid=([0-9a-f]+)/.exec(req.headers.cookie || "");
  return match ? sessions.get(match[1]) : undefined;
}

function readForm(req) {
  return new Promise((resolve, reject) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (chunk) => {
      body += chunk;
      if (body.length > 4 << 20) reject(new Error("body too large"));
    });
    req.on("end", () => resolve(new URLSearchParams(body)));
    req.on("error", reject);
  });
}

async function handle(req, res) {
  const url = new URL(req.url, BASE);
  if (req.method === "GET" && url.pathname === "/login") {
    const location = await saml.getAuthorizeUrlAsync("", url.host, {});
    return send(res, 302, { Location: location }, "");
  }
  if (req.method === "POST" && url.pathname === "/acs") {
    const form = await readForm(req);
    try {
      const { profile } = await saml.validatePostResponseAsync({ SAMLResponse: form.get("SAMLResponse") || "" });
      const sid = crypto.randomBytes(16).toString("hex");
      const { nameID, issuer, ...attributes } = profile;
      sessions.set(sid, { name_id: nameID, attributes });
      return send(res, 303, { Location: "/me", "Set-Cookie": `sid=${sid}; Path=/; HttpOnly` }, "");
    } catch (e) {
      return json(res, 403, { error: "login refused", reason: String(e && e.message) });
    }
  }
  if (req.method === "GET" && url.pathname === "/me") {
    const session = sessionOf(req);
    if (!session) return send(res, 302, { Location: "/login" }, "");
    return json(res, 200, session);
  }
  if (req.method === "GET" && url.pathname === "/metadata") {
    return send(res, 200, { "Content-Type": "text/xml" }, saml.generateServiceProviderMetadata(spCert, null));
  }
  return json(res, 404, { error: "not found" });
}

http
  .createServer((req, res) => {
    handle(req, res).catch((e) => json(res, 500, { error: String(e && e.message) }));
  })
  .listen(Number(process.env.SP_PORT), "127.0.0.1");
