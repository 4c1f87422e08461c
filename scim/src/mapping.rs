//! Entra's default attribute mappings: what its SCIM client sends for a user and a group
//! (Microsoft's SCIM tutorial, "Design your user and group schema").

use serde_json::{json, Map, Value};

use crate::wire;

/// An Entra user, in the directory's attribute names.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EntraUser {
    /// userPrincipalName: `userName`, and the matching attribute.
    pub user_principal_name: String,
    /// mailNickname: `externalId`.
    pub mail_nickname: String,
    /// givenName: `name.givenName`.
    pub given_name: String,
    /// surname: `name.familyName`.
    pub surname: String,
    /// displayName: `displayName`.
    pub display_name: String,
    /// mail: `emails[type eq "work"].value`.
    pub mail: String,
    /// jobTitle: `title` (left out when empty: Entra does not send null attributes).
    pub job_title: String,
    /// department: the enterprise extension's `department`.
    pub department: String,
    /// employeeId: the enterprise extension's `employeeNumber`.
    pub employee_id: String,
}

/// An Entra group.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EntraGroup {
    /// displayName: `displayName`, and the matching attribute.
    pub display_name: String,
    /// objectId: `externalId`.
    pub object_id: String,
}

/// The body of Entra's `POST /Users`: active, with every non-empty mapped attribute.
pub fn user_resource(user: &EntraUser) -> Value {
    let mut enterprise = Map::new();
    if !user.department.is_empty() {
        enterprise.insert("department".into(), json!(user.department));
    }
    if !user.employee_id.is_empty() {
        enterprise.insert("employeeNumber".into(), json!(user.employee_id));
    }
    let mut body = json!({
        "schemas": [wire::USER_SCHEMA, wire::ENTERPRISE_USER_SCHEMA],
        "userName": user.user_principal_name,
        "active": true,
        "meta": {"resourceType": "User"},
        "roles": [],
    });
    // Entra does not send an attribute whose source is empty.
    let mut set = |key: &str, value: &str, json: Value| {
        if !value.is_empty() {
            body[key] = json;
        }
    };
    set("externalId", &user.mail_nickname, json!(user.mail_nickname));
    set("displayName", &user.display_name, json!(user.display_name));
    set("title", &user.job_title, json!(user.job_title));
    set(
        "emails",
        &user.mail,
        json!([{"primary": true, "type": "work", "value": user.mail}]),
    );
    let mut name = Map::new();
    for (key, value) in [
        ("familyName", &user.surname),
        ("givenName", &user.given_name),
    ] {
        if !value.is_empty() {
            name.insert(key.into(), json!(value));
        }
    }
    if !name.is_empty() {
        let formatted = format!("{} {}", user.given_name, user.surname);
        name.insert("formatted".into(), json!(formatted.trim()));
        body["name"] = Value::Object(name);
    }
    if !enterprise.is_empty() {
        body[wire::ENTERPRISE_USER_SCHEMA] = Value::Object(enterprise);
    }
    body
}

/// Which user attributes an app's attribute mapping sends: Entra's default set, or a gallery
/// app's own (Mixpanel: userName and displayName). `userName` (the matching attribute) and
/// `active` (the disable switch) are always sent.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Mapping(Option<Vec<String>>);

impl Mapping {
    /// Only these SCIM attributes (top-level names, e.g. `displayName`, `emails`, `name`).
    pub fn only(attributes: Vec<String>) -> Mapping {
        Mapping(Some(attributes))
    }

    /// Whether the attribute at `path` (`name.familyName`, `emails[type eq "work"].value`)
    /// is sent.
    pub fn sends(&self, path: &str) -> bool {
        // An extension's URN (with the `.` of `2.0` in it) names itself.
        let top = if path.starts_with("urn:") {
            path
        } else {
            path.split(['.', '[']).next().unwrap_or(path)
        };
        match &self.0 {
            None => true,
            Some(_) if top == "userName" || top == "active" => true,
            Some(names) => names.iter().any(|n| n.eq_ignore_ascii_case(top)),
        }
    }

    /// Entra's `POST /Users` body under this mapping.
    pub fn user_resource(&self, user: &EntraUser) -> Value {
        let mut body = user_resource(user);
        if let (Some(_), Some(object)) = (&self.0, body.as_object_mut()) {
            object
                .retain(|k, _| matches!(k.as_str(), "schemas" | "meta" | "roles") || self.sends(k));
        }
        body
    }
}

/// The body of Entra's `POST /Groups`: always without members (they follow by PATCH).
pub fn group_resource(group: &EntraGroup) -> Value {
    json!({
        "schemas": [wire::GROUP_SCHEMA, wire::ENTRA_GROUP_SCHEMA],
        "externalId": group.object_id,
        "displayName": group.display_name,
        "meta": {"resourceType": "Group"},
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_user_is_created_active_with_entra_s_default_mappings() {
        let user = EntraUser {
            user_principal_name: "B.Simon@contoso.com".into(),
            mail_nickname: "B.Simon".into(),
            given_name: "B".into(),
            surname: "Simon".into(),
            display_name: "B. Simon".into(),
            mail: "B.Simon@contoso.com".into(),
            department: "Sales".into(),
            ..EntraUser::default()
        };
        let body = user_resource(&user);
        assert_eq!(body["userName"], "B.Simon@contoso.com");
        assert_eq!(body["externalId"], "B.Simon");
        assert_eq!(body["active"], true);
        assert_eq!(body["emails"][0]["type"], "work");
        assert_eq!(body["name"]["formatted"], "B Simon");
        assert_eq!(body[wire::ENTERPRISE_USER_SCHEMA]["department"], "Sales");
        assert!(body.get("title").is_none(), "null attributes are not sent");
        let bare = user_resource(&EntraUser {
            user_principal_name: "x@contoso.com".into(),
            ..EntraUser::default()
        });
        assert!(
            bare.get("emails").is_none()
                && bare.get("name").is_none()
                && bare.get("externalId").is_none(),
            "{bare}"
        );
    }

    #[test]
    fn a_gallery_mapping_sends_only_its_attributes() {
        let mixpanel = Mapping::only(vec!["userName".into(), "displayName".into()]);
        let body = mixpanel.user_resource(&EntraUser {
            user_principal_name: "b@contoso.com".into(),
            display_name: "B".into(),
            mail: "b@contoso.com".into(),
            given_name: "B".into(),
            ..EntraUser::default()
        });
        assert_eq!(body["displayName"], "B");
        assert_eq!(body["active"], true);
        assert!(
            body.get("emails").is_none() && body.get("name").is_none(),
            "{body}"
        );
        assert!(mixpanel.sends("userName") && !mixpanel.sends("name.familyName"));
        assert!(Mapping::default().sends("emails[type eq \"work\"].value"));
    }

    #[test]
    fn a_group_is_created_without_members() {
        let body = group_resource(&EntraGroup {
            display_name: "Sales".into(),
            object_id: "g1".into(),
        });
        assert!(body.get("members").is_none());
        assert!(wire::has_schema(&body, wire::ENTRA_GROUP_SCHEMA));
    }
}
