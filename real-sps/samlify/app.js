// A minimal SP on samlify (npm), as its README sets it up: a schema validator first
// (@authenio/samlify-node-xmllint), the IdP from its metadata, assertions signed. samlify
// hands the application what it extracted and leaves the rest to it; like a careful
// application, this one also checks the Audience and that InResponseTo names the request it
// sent this browser. Node's own http module, no framework.
//
// Environment: SP_BASE_URL (http://127.0.0.1:PORT), SP_PORT, IDP_METADATA (file).
// Routes: /login (SP-initiated), /acs, /me (JSON: name_id, attributes), /metadata.
// RelayState is not used: the ACS always sends the browser to /me.
"use strict";
const crypto = require("node:crypto");
const fs = require("node:fs");
const http = require("node:http");
const samlify = require("samlify");
const validator = require("@authenio/samlify-node-xmllint");

samlify.setSchemaValidator(validator);

const BASE = process.env.SP_BASE_URL;
const { binding, format } = samlify.Constants.namespace;

const idp = samlify.IdentityProvider({ metadata: fs.readFileSync(process.env.IDP_METADATA, "utf8") });
const sp = samlify.ServiceProvider({
  entityID: BASE + "/metadata",
  assertionConsumerService: [{ Binding: binding.post, Location: BASE + "/acs" }],
  nameIDFormat: [format.emailAddress],
  wantAssertionsSigned: true,
});

const sessions = new Map(); // sid -> { request_id } before the login, { name_id, attributes } after

function send(res, status, headers, body) {
  res.writeHead(status, headers);
  res.end(body);
}

function json(res, status, value, headers = {}) {
  send(res, status, { "Content-Type": "application/json", ...headers }, JSON.stringify(value));
}

function sidOf(req) {
  const match = /(?:^|;\s*)sid=([0-9a-f]+)/.exec(req.headers.cookie || "");
  return match ? match[1] : undefined;
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
    const { id, context } = sp.createLoginRequest(idp, "redirect");
    const sid = crypto.randomBytes(16).toString("hex");
    sessions.set(sid, { request_id: id });
    return send(res, 302, { Location: context, "Set-Cookie": `sid=${sid}; Path=/; HttpOnly` }, "");
  }
  if (req.method === "POST" && url.pathname === "/acs") {
    const form = await readForm(req);
    const sid = sidOf(req);
    const pending = sid && sessions.get(sid);
    try {
      const { extract } = await sp.parseLoginResponse(idp, "post", {
        body: { SAMLResponse: form.get("SAMLResponse") || "" },
      });
      if (extract.audience !== sp.entityMeta.getEntityID()) {
        throw new Error(`audience ${JSON.stringify(extract.audience)} is not this SP`);
      }
      const inResponseTo = extract.response && extract.response.inResponseTo;
      if (!pending || !pending.request_id || inResponseTo !== pending.request_id) {
        throw new Error(`InResponseTo ${JSON.stringify(inResponseTo)} is not the request sent to this browser`);
      }
      const fresh = crypto.randomBytes(16).toString("hex");
      sessions.delete(sid);
      sessions.set(fresh, { name_id: extract.nameID, attributes: extract.attributes });
      return send(res, 303, { Location: "/me", "Set-Cookie": `sid=${fresh}; Path=/; HttpOnly` }, "");
    } catch (e) {
      return json(res, 403, { error: "login refused", reason: String((e && e.message) || e) });
    }
  }
  if (req.method === "GET" && url.pathname === "/me") {
    const session = sessions.get(sidOf(req));
    if (!session || !session.name_id) return send(res, 302, { Location: "/login" }, "");
    return json(res, 200, session);
  }
  if (req.method === "GET" && url.pathname === "/metadata") {
    return send(res, 200, { "Content-Type": "text/xml" }, sp.getMetadata());
  }
  return json(res, 404, { error: "not found" });
}

http
  .createServer((req, res) => {
    handle(req, res).catch((e) => json(res, 500, { error: String(e && e.message) }));
  })
  .listen(Number(process.env.SP_PORT), "127.0.0.1");
