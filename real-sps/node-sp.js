// What the Node test SPs share: the IdP's metadata read with @xmldom/xmldom, a cookie-keyed
// session store, form bodies, answers, and a server on 127.0.0.1 that turns a thrown error
// into a 500. Node's own http module, no framework.
"use strict";
const crypto = require("node:crypto");
const fs = require("node:fs");
const http = require("node:http");
const { DOMParser } = require("@xmldom/xmldom");

const MD = "urn:oasis:names:tc:SAML:2.0:metadata";
const DS = "http://www.w3.org/2000/09/xmldsig#";
const REDIRECT = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect";

/** The IdP's entity ID, Redirect sign-on URL and signing certificate (base64 DER). */
function idpFromMetadata(file) {
  const doc = new DOMParser().parseFromString(fs.readFileSync(file, "utf8"), "text/xml");
  const sso = Array.from(doc.getElementsByTagNameNS(MD, "SingleSignOnService")).find(
    (e) => e.getAttribute("Binding") === REDIRECT,
  );
  const signing = Array.from(doc.getElementsByTagNameNS(MD, "KeyDescriptor")).find(
    (k) => (k.getAttribute("use") || "signing") === "signing",
  );
  return {
    entityId: doc.getElementsByTagNameNS(MD, "EntityDescriptor")[0].getAttribute("entityID"),
    ssoUrl: sso.getAttribute("Location"),
    certificate: signing.getElementsByTagNameNS(DS, "X509Certificate")[0].textContent.replace(/\s+/g, ""),
  };
}

/** Sessions by the random `sid` cookie. */
class Sessions {
  constructor() {
    this.all = new Map();
  }
  /** The session of `req`'s cookie, if any. */
  of(req) {
    return this.all.get(this.sid(req));
  }
  /** `req`'s sid cookie, if any. */
  sid(req) {
    const match = /(?:^|;\s*)sid=([0-9a-f]+)/.exec(req.headers.cookie || "");
    return match ? match[1] : undefined;
  }
  /** Stores `value` under a fresh sid; returns the Set-Cookie header value. */
  open(value) {
    const sid = crypto.randomBytes(16).toString("hex");
    this.all.set(sid, value);
    return `sid=${sid}; Path=/; HttpOnly`;
  }
  /** Drops `req`'s session. */
  close(req) {
    this.all.delete(this.sid(req));
  }
  /** Drops every session of `nameId` (what an IdP's LogoutRequest asks); how many. */
  closeFor(nameId) {
    let ended = 0;
    for (const [sid, session] of this.all) {
      if (nameId && session.name_id === nameId) {
        this.all.delete(sid);
        ended += 1;
      }
    }
    return ended;
  }
}

function send(res, status, headers, body) {
  res.writeHead(status, headers);
  res.end(body);
}

function json(res, status, value, headers = {}) {
  send(res, status, { "Content-Type": "application/json", ...headers }, JSON.stringify(value));
}

/** The urlencoded form of `req` (at most 4 MiB). */
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

/** Serves `handle(req, res, url)` on 127.0.0.1:SP_PORT (404 when it answers nothing); `/me`
 * shows the signed-in session. */
function serve(sessions, handle) {
  const base = process.env.SP_BASE_URL;
  // Under supervise.js: go with the supervisor.
  if (process.send) process.on("disconnect", () => process.exit(0));
  http
    .createServer((req, res) => {
      const url = new URL(req.url, base);
      if (req.method === "GET" && url.pathname === "/me") {
        const session = sessions.of(req);
        if (!session || !session.name_id) return send(res, 302, { Location: "/login" }, "");
        return json(res, 200, session);
      }
      handle(req, res, url)
        .then(() => res.headersSent || json(res, 404, { error: "not found" }))
        .catch((e) => res.headersSent || json(res, 500, { error: String((e && e.message) || e) }));
    })
    .listen(Number(process.env.SP_PORT), "127.0.0.1");
}

/** A refusal at the ACS: 403 with the library's reason. */
function refuse(res, e) {
  return json(res, 403, { error: "login refused", reason: String((e && e.message) || e) });
}

module.exports = { idpFromMetadata, Sessions, send, json, readForm, serve, refuse };
