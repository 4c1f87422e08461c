//! SCIM 2.0 URIs, media type and message shapes: the one home for them.

use serde_json::{json, Value};

/// The core User schema.
pub const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
/// The enterprise User extension (employeeNumber, department, manager).
pub const ENTERPRISE_USER_SCHEMA: &str =
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
/// The core Group schema.
pub const GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
/// The extra schema Entra puts on the groups it creates.
pub const ENTRA_GROUP_SCHEMA: &str =
    "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group";
/// A query's answer.
pub const LIST_RESPONSE: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
/// A PATCH request body.
pub const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
/// An error answer.
pub const ERROR: &str = "urn:ietf:params:scim:api:messages:2.0:Error";
/// SCIM's media type.
pub const MEDIA_TYPE: &str = "application/scim+json";

/// Whether a JSON document lists `uri` in its `schemas`.
pub fn has_schema(doc: &Value, uri: &str) -> bool {
    doc.get("schemas")
        .and_then(Value::as_array)
        .is_some_and(|s| s.iter().any(|v| v.as_str() == Some(uri)))
}

/// A ListResponse of `resources` (all of them on one page).
pub fn list_response(resources: Vec<Value>) -> Value {
    json!({
        "schemas": [LIST_RESPONSE],
        "totalResults": resources.len(),
        "Resources": resources,
        "startIndex": 1,
        "itemsPerPage": resources.len(),
    })
}

/// An Error message; `status` is a string, as RFC 7644 §3.12 says.
pub fn error(status: u16, scim_type: Option<&str>, detail: &str) -> Value {
    let mut e = json!({"schemas": [ERROR], "status": status.to_string(), "detail": detail});
    if let Some(t) = scim_type {
        e["scimType"] = json!(t);
    }
    e
}

/// A PatchOp body carrying `operations`.
pub fn patch(operations: Vec<Value>) -> Value {
    json!({"schemas": [PATCH_OP], "Operations": operations})
}

/// A filter `attribute eq "value"` with the value quoted as SCIM requires.
pub fn eq_filter(attribute: &str, value: &str) -> String {
    format!("{attribute} eq {}", Value::from(value))
}
