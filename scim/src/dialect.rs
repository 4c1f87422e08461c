//! The two PATCH dialects Entra's SCIM client speaks (Microsoft's "Known issues and resolutions
//! with SCIM 2.0 protocol compliance"): the default one, and the one a tenant URL ending in
//! `?aadOptscim062020` turns on.

use serde_json::{json, Map, Value};

use crate::wire;

/// Which PATCH bodies Entra sends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    /// Capitalised ops (`Add`, `Replace`, `Remove`), `active` as the string `"False"`, one op
    /// per attribute with a path, members removed by a value list.
    Default,
    /// `aadOptscim062020`: lowercase ops, booleans, one path-less `replace` with dotted keys,
    /// members removed by a `members[value eq "…"]` path.
    Scim062020,
}

impl Dialect {
    /// Both, in the order a `--dialect both` run takes them.
    pub const ALL: [Dialect; 2] = [Dialect::Default, Dialect::Scim062020];

    /// The name used on the command line and in check ids.
    pub fn name(self) -> &'static str {
        match self {
            Dialect::Default => "default",
            Dialect::Scim062020 => "aadOptscim062020",
        }
    }

    /// The dialect called `name` (case-insensitive).
    pub fn from_name(name: &str) -> Option<Dialect> {
        Dialect::ALL
            .into_iter()
            .find(|d| d.name().eq_ignore_ascii_case(name))
    }

    /// A PATCH op name (`Replace`) as this dialect writes it.
    pub(crate) fn op(self, capitalised: &'static str) -> String {
        match self {
            Dialect::Default => capitalised.to_string(),
            Dialect::Scim062020 => capitalised.to_ascii_lowercase(),
        }
    }

    fn boolean(self, value: bool) -> Value {
        match self {
            Dialect::Default => json!(if value { "True" } else { "False" }),
            Dialect::Scim062020 => json!(value),
        }
    }

    /// Sets `active` (a disable when false: unassigned, blocked or soft-deleted in Entra).
    pub fn set_active(self, active: bool) -> Value {
        wire::patch(vec![
            json!({"op": self.op("Replace"), "path": "active", "value": self.boolean(active)}),
        ])
    }

    /// Replaces single-valued attributes, given as (SCIM path, value), e.g. `name.familyName`,
    /// and the work email when `work_email` is set.
    pub fn replace(self, work_email: Option<&str>, attributes: &[(&str, &str)]) -> Value {
        let mut ops = Vec::new();
        if let Some(email) = work_email {
            ops.push(json!({
                "op": self.op("Replace"),
                "path": "emails[type eq \"work\"].value",
                "value": email,
            }));
        }
        match self {
            Dialect::Default => {
                for (path, value) in attributes {
                    ops.push(json!({"op": "Replace", "path": path, "value": value}));
                }
            }
            Dialect::Scim062020 if !attributes.is_empty() => {
                let keyed: Map<String, Value> = attributes
                    .iter()
                    .map(|(path, value)| (path.to_string(), json!(value)))
                    .collect();
                ops.push(json!({"op": "replace", "value": keyed}));
            }
            Dialect::Scim062020 => {}
        }
        wire::patch(ops)
    }

    /// Adds members to a group (one PATCH may carry several).
    pub fn add_members(self, ids: &[&str]) -> Value {
        let value: Vec<Value> = match self {
            Dialect::Default => ids
                .iter()
                .map(|id| json!({"$ref": null, "value": id}))
                .collect(),
            Dialect::Scim062020 => ids.iter().map(|id| json!({"value": id})).collect(),
        };
        wire::patch(vec![
            json!({"op": self.op("Add"), "path": "members", "value": value}),
        ])
    }

    /// Removes members from a group.
    pub fn remove_members(self, ids: &[&str]) -> Value {
        match self {
            Dialect::Default => wire::patch(vec![json!({
                "op": "Remove",
                "path": "members",
                "value": ids.iter().map(|id| json!({"value": id})).collect::<Vec<_>>(),
            })]),
            Dialect::Scim062020 => wire::patch(
                ids.iter()
                    .map(|id| {
                        json!({"op": "remove", "path": format!("members[value eq {}]", json!(id))})
                    })
                    .collect(),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_dialect_disables_with_a_capitalised_op_and_a_string() {
        assert_eq!(
            Dialect::Default.set_active(false)["Operations"][0],
            json!({"op": "Replace", "path": "active", "value": "False"})
        );
        assert_eq!(
            Dialect::Scim062020.set_active(false)["Operations"][0],
            json!({"op": "replace", "path": "active", "value": false})
        );
    }

    #[test]
    fn the_062020_dialect_replaces_several_attributes_in_one_path_less_op() {
        let body = Dialect::Scim062020.replace(
            Some("b@contoso.com"),
            &[("name.familyName", "Simons"), ("displayName", "B Simons")],
        );
        let ops = body["Operations"].as_array().unwrap();
        assert_eq!(ops.len(), 2);
        assert_eq!(ops[0]["path"], "emails[type eq \"work\"].value");
        assert_eq!(
            ops[1],
            json!({"op": "replace", "value": {"name.familyName": "Simons", "displayName": "B Simons"}})
        );
        let default = Dialect::Default.replace(None, &[("name.familyName", "Simons")]);
        assert_eq!(
            default["Operations"],
            json!([{"op": "Replace", "path": "name.familyName", "value": "Simons"}])
        );
    }

    #[test]
    fn members_are_removed_by_value_list_or_by_path_filter() {
        assert_eq!(
            Dialect::Default.remove_members(&["u1"])["Operations"],
            json!([{"op": "Remove", "path": "members", "value": [{"value": "u1"}]}])
        );
        assert_eq!(
            Dialect::Scim062020.remove_members(&["u1"])["Operations"],
            json!([{"op": "remove", "path": "members[value eq \"u1\"]"}])
        );
        assert_eq!(
            Dialect::Default.add_members(&["u1"])["Operations"][0]["value"],
            json!([{"$ref": null, "value": "u1"}])
        );
    }

    #[test]
    fn dialect_names_round_trip() {
        for d in Dialect::ALL {
            assert_eq!(Dialect::from_name(d.name()), Some(d));
        }
        assert_eq!(
            Dialect::from_name("AADOPTSCIM062020"),
            Some(Dialect::Scim062020)
        );
        assert_eq!(Dialect::from_name("legacy"), None);
    }
}
