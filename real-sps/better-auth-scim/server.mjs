// better-auth (npm) with its SCIM plugin, @better-auth/scim, as a vendor would mount it to
// take users and groups from Microsoft Entra: users in memory, one SCIM connection whose
// bearer token is SCIM_TOKEN, and the plugin's Entra option (Entra names Microsoft's legacy
// ADSCIM Group schema beside the core one). Listens on 127.0.0.1:PORT only; SCIM base
// http://127.0.0.1:PORT/api/auth/scim/v2. Usage: SCIM_TOKEN=T node server.mjs PORT
import http from "node:http";
import { randomBytes } from "node:crypto";
import { betterAuth } from "better-auth";
import { memoryAdapter } from "better-auth/adapters/memory";
import { toNodeHandler } from "better-auth/node";
import { scim } from "@better-auth/scim";

const port = Number(process.argv[2]);
const token = process.env.SCIM_TOKEN;
if (!port || !token) {
  console.error("usage: SCIM_TOKEN=T node server.mjs PORT");
  process.exit(2);
}
const origin = `http://127.0.0.1:${port}`;
const db = {};
const auth = betterAuth({
  baseURL: origin,
  secret: randomBytes(32).toString("hex"),
  database: memoryAdapter(db),
  telemetry: { enabled: false },
  rateLimit: { enabled: false },
  plugins: [
    scim({
      connections: [{ id: "entra", credentials: [{ type: "bearer", id: "entra-token", token }] }],
      compatibility: { microsoftEntra: { acceptLegacyGroupSchema: true } },
    }),
  ],
});
// The memory adapter knows only the tables it was given: give it every one better-auth uses.
for (const table of Object.values((await auth.$context).tables)) db[table.modelName] ??= [];

http.createServer(toNodeHandler(auth)).listen(port, "127.0.0.1", () => {
  console.log(`Serving SCIM on ${origin}/api/auth/scim/v2`);
});
