//! Errors and warnings on devices and access codes, each with a stable `created_at`.
//!
//! Conditions are stored as JSON lists on their row. [`sync`] replaces the set of conditions
//! of one family (say, the pool's) with the ones that hold now, keeping the `created_at` of a
//! condition that was already there, so a reader sees when the condition began.

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use crate::clock::format_ts;

/// Which list a condition lives in, and the key its code goes under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A device error (`error_code`, `is_device_error: true`).
    DeviceError,
    /// A device warning (`warning_code`).
    DeviceWarning,
    /// An access-code error (`error_code`, `is_access_code_error: true`).
    CodeError,
    /// An access-code warning (`warning_code`).
    CodeWarning,
}

impl Kind {
    fn code_key(self) -> &'static str {
        match self {
            Kind::DeviceError | Kind::CodeError => "error_code",
            Kind::DeviceWarning | Kind::CodeWarning => "warning_code",
        }
    }

    fn render(self, code: &str, message: &str, created_at: &str) -> Value {
        let mut v = json!({ self.code_key(): code, "message": message, "created_at": created_at });
        match self {
            Kind::DeviceError => v["is_device_error"] = Value::Bool(true),
            Kind::CodeError => v["is_access_code_error"] = Value::Bool(true),
            Kind::DeviceWarning | Kind::CodeWarning => {}
        }
        v
    }
}

/// Makes `list` hold exactly `wanted` among the codes in `family`, leaving other codes alone.
/// Returns the codes that were newly added (so callers can emit their events).
pub fn sync(
    list: &mut Vec<Value>,
    kind: Kind,
    family: &[&str],
    wanted: &[(&str, String)],
    now: DateTime<Utc>,
) -> Vec<String> {
    let key = kind.code_key();
    let code_of = |v: &Value| v.get(key).and_then(Value::as_str).map(str::to_owned);
    list.retain(|v| match code_of(v) {
        Some(code) => !family.contains(&code.as_str()) || wanted.iter().any(|(w, _)| *w == code),
        None => false,
    });
    let mut added = Vec::new();
    for (code, message) in wanted {
        if let Some(existing) = list
            .iter_mut()
            .find(|v| code_of(v).as_deref() == Some(code))
        {
            existing["message"] = Value::String(message.clone());
        } else {
            list.push(kind.render(code, message, &format_ts(now)));
            added.push(code.to_string());
        }
    }
    added
}

/// Whether a list holds a condition with this code.
pub fn has(list: &[Value], kind: Kind, code: &str) -> bool {
    list.iter()
        .any(|v| v.get(kind.code_key()).and_then(Value::as_str) == Some(code))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    #[test]
    fn keeps_created_at_of_a_lasting_condition_and_drops_cleared_ones() {
        let t0 = Utc::now();
        let mut list = Vec::new();
        let fam = ["a", "b"];
        let added = sync(&mut list, Kind::DeviceError, &fam, &[("a", "A".into())], t0);
        assert_eq!(added, vec!["a"]);
        let first = list[0]["created_at"].clone();
        let added = sync(
            &mut list,
            Kind::DeviceError,
            &fam,
            &[("a", "A".into()), ("b", "B".into())],
            t0 + Duration::seconds(5),
        );
        assert_eq!(added, vec!["b"]);
        assert_eq!(list[0]["created_at"], first);
        assert_eq!(list[0]["is_device_error"], true);
        sync(&mut list, Kind::DeviceError, &fam, &[], t0);
        assert!(list.is_empty());
    }
}
