"""A Cymmetri-style platform provisioning into Entra through Microsoft's own Python SDK
(msgraph-sdk with azure-identity), pointed at saml-harness's mock.

env: GRAPH_ORIGIN (https://127.0.0.1:PORT), TENANT_ID, CLIENT_ID, CLIENT_SECRET, NEW_UPN;
SSL_CERT_FILE and REQUESTS_CA_BUNDLE name the mock's test CA.
Prints one line per step; exits non-zero on the first unexpected answer.
"""
import asyncio
import os

from azure.identity import ClientSecretCredential
from kiota_authentication_azure.azure_identity_authentication_provider import (
    AzureIdentityAuthenticationProvider,
)
from msgraph import GraphRequestAdapter, GraphServiceClient
from msgraph.generated.models.assigned_license import AssignedLicense
from msgraph.generated.models.group import Group
from msgraph.generated.models.o_data_errors.o_data_error import ODataError
from msgraph.generated.models.password_profile import PasswordProfile
from msgraph.generated.models.reference_create import ReferenceCreate
from msgraph.generated.models.user import User
from msgraph.generated.users.item.assign_license.assign_license_post_request_body import (
    AssignLicensePostRequestBody,
)

ORIGIN = os.environ["GRAPH_ORIGIN"]
UPN = os.environ["NEW_UPN"]


async def main():
    credential = ClientSecretCredential(
        os.environ["TENANT_ID"],
        os.environ["CLIENT_ID"],
        os.environ["CLIENT_SECRET"],
        authority=ORIGIN,
        # Otherwise MSAL asks login.microsoftonline.com whether the authority is known.
        disable_instance_discovery=True,
    )
    auth = AzureIdentityAuthenticationProvider(
        credential, scopes=["https://graph.microsoft.com/.default"]
    )
    adapter = GraphRequestAdapter(auth)
    adapter.base_url = ORIGIN + "/v1.0"
    client = GraphServiceClient(request_adapter=adapter)

    user = await client.users.post(
        User(
            account_enabled=True,
            display_name="Cymmetri Python User",
            mail_nickname=UPN.split("@")[0],
            user_principal_name=UPN,
            given_name="Cym",
            surname="Python",
            password_profile=PasswordProfile(
                force_change_password_next_sign_in=False, password="Str0ng!Passw0rd"
            ),
        )
    )
    print("created", user.user_principal_name, user.id)
    skus = await client.subscribed_skus.get()
    teams = next(s for s in skus.value if s.sku_part_number == "TEAMS_EXPLORATORY")
    licence = AssignLicensePostRequestBody(
        add_licenses=[AssignedLicense(sku_id=teams.sku_id, disabled_plans=[])],
        remove_licenses=[],
    )
    try:
        await client.users.by_user_id(user.id).assign_license.post(licence)
        raise SystemExit("a licence was assigned to a user without usageLocation")
    except ODataError as e:
        print("licence refused", e.response_status_code, e.error.message)
    await client.users.by_user_id(user.id).patch(User(usage_location="US"))
    licensed = await client.users.by_user_id(user.id).assign_license.post(licence)
    print("licensed", ",".join(str(l.sku_id) for l in licensed.assigned_licenses))
    group = await client.groups.post(
        Group(
            display_name="Cymmetri Python Users",
            mail_enabled=False,
            mail_nickname="cympython",
            security_enabled=True,
        )
    )
    await client.groups.by_group_id(group.id).members.ref.post(
        ReferenceCreate(
            odata_id=f"https://graph.microsoft.com/v1.0/directoryObjects/{user.id}"
        )
    )
    print("member of", group.display_name)


asyncio.run(main())
