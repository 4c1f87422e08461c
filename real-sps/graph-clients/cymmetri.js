// A Cymmetri-style platform provisioning into Entra through Microsoft's own Node SDK
// (@microsoft/microsoft-graph-client with @azure/identity), pointed at saml-harness's mock.
// env: GRAPH_ORIGIN (https://127.0.0.1:PORT), TENANT_ID, CLIENT_ID, CLIENT_SECRET, NEW_UPN;
//      NODE_EXTRA_CA_CERTS names the mock's test CA.
// Prints one line per step; exits non-zero on the first unexpected answer.
const { Client } = require("@microsoft/microsoft-graph-client");
const { TokenCredentialAuthenticationProvider } = require("@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials");
const { ClientSecretCredential } = require("@azure/identity");

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};
const origin = env("GRAPH_ORIGIN");
const upn = env("NEW_UPN");

(async () => {
  const credential = new ClientSecretCredential(env("TENANT_ID"), env("CLIENT_ID"), env("CLIENT_SECRET"), {
    authorityHost: origin,
    disableInstanceDiscovery: true,
  });
  const client = Client.initWithMiddleware({
    baseUrl: origin,
    defaultVersion: "v1.0",
    // Without it the SDK sends no token to a host that is not graph.microsoft.com.
    customHosts: new Set([new URL(origin).hostname]),
    authProvider: new TokenCredentialAuthenticationProvider(credential, {
      scopes: ["https://graph.microsoft.com/.default"],
    }),
  });
  const user = await client.api("/users").post({
    accountEnabled: true, displayName: "Cymmetri Node User", mailNickname: upn.split("@")[0],
    userPrincipalName: upn, usageLocation: "US", givenName: "Cym", surname: "Node",
    passwordProfile: { forceChangePasswordNextSignIn: false, password: "Str0ng!Passw0rd" },
  });
  console.log(`created ${user.userPrincipalName} ${user.id}`);
  const skus = await client.api("/subscribedSkus").get();
  const teams = skus.value.find((s) => s.skuPartNumber === "TEAMS_EXPLORATORY");
  if (!teams) throw new Error(`no TEAMS_EXPLORATORY in ${JSON.stringify(skus)}`);
  const licensed = await client.api(`/users/${user.id}/assignLicense`).post({
    addLicenses: [{ skuId: teams.skuId, disabledPlans: [] }], removeLicenses: [],
  });
  console.log(`licensed ${licensed.assignedLicenses.map((l) => l.skuId).join(",")}`);
  const group = await client.api("/groups").post({
    displayName: "Cymmetri Node Users", mailEnabled: false, mailNickname: "cymnode", securityEnabled: true,
  });
  await client.api(`/groups/${group.id}/members/$ref`).post({
    "@odata.id": `https://graph.microsoft.com/v1.0/directoryObjects/${user.id}`,
  });
  const found = await client.api("/users").filter(`userPrincipalName eq '${upn}'`).get();
  console.log(`found ${found.value.length}`);
  try {
    await client.api("/users").post({
      accountEnabled: true, displayName: "Dup", mailNickname: "dup", userPrincipalName: upn,
      passwordProfile: { password: "Str0ng!Passw0rd" },
    });
    throw new Error("a duplicate userPrincipalName was accepted");
  } catch (e) {
    if (e.statusCode !== 400) throw e;
    console.log(`duplicate refused ${e.code}: ${e.message}`);
  }
})().catch((e) => {
  console.error(`FAILED ${e.stack || e}`);
  process.exit(1);
});
