//! Conflict rules, applied on the device (the only place that can read both versions):
//!
//! - an edit beats a concurrent delete, for every kind;
//! - journal entries keep both versions: the server's stays, the local one becomes a
//!   conflict copy (a new entry), so no text is ever lost;
//! - append-only records (mood check-ins, habit events, assessments) are never edited, so two
//!   live versions cannot differ; the server's is kept;
//! - structured records (habits, safety plan, settings, plans, sessions) merge per field against
//!   the last version both sides agreed on: a field changed on one side only takes that change;
//!   changed on both, lists are united and other values take the local change.
//!
//! Pure functions over decrypted JSON, property-tested.

use serde_json::{Map, Value};

use crate::record::RecordKind;

/// How a kind merges.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MergeRule {
    /// Keep both versions (conflict copy).
    KeepBoth,
    /// Never edited; any live version will do.
    AppendOnly,
    /// Three-way merge per field.
    PerField,
}

/// The rule for `kind`.
pub fn rule(kind: RecordKind) -> MergeRule {
    match kind {
        RecordKind::Journal => MergeRule::KeepBoth,
        RecordKind::Mood
        | RecordKind::HabitEvent
        | RecordKind::Assessment
        | RecordKind::AccountIdentity
        | RecordKind::AlertAck
        | RecordKind::GoalRating => MergeRule::AppendOnly,
        RecordKind::Habit
        | RecordKind::SafetyPlan
        | RecordKind::Session
        | RecordKind::Settings
        | RecordKind::DailyPlan
        | RecordKind::Verification
        | RecordKind::ClientNote
        | RecordKind::Intake
        | RecordKind::Goal => MergeRule::PerField,
    }
}

/// The result of merging a local change with a remote version.
#[derive(Debug, Clone, PartialEq)]
pub struct Merged {
    /// What the record becomes (`None`: deleted).
    pub result: Option<Value>,
    /// A conflict copy to save as a new record of the same kind (journal only).
    pub conflict_copy: Option<Value>,
}

/// Merges `local` (changed since `base`) with `remote`; `None` means deleted.
pub fn merge(
    kind: RecordKind,
    base: Option<&Value>,
    local: Option<&Value>,
    remote: Option<&Value>,
) -> Merged {
    let keep = |v: Option<&Value>| Merged {
        result: v.cloned(),
        conflict_copy: None,
    };
    match (local, remote) {
        (None, None) => keep(None),
        // An edit beats a concurrent delete, whichever side deleted.
        (Some(l), None) => keep(Some(l)),
        (None, Some(r)) => keep(Some(r)),
        (Some(l), Some(r)) if l == r => keep(Some(l)),
        (Some(l), Some(r)) => {
            if base == Some(r) {
                return keep(Some(l));
            }
            if base == Some(l) {
                return keep(Some(r));
            }
            match rule(kind) {
                MergeRule::AppendOnly => keep(Some(r)),
                MergeRule::KeepBoth => Merged {
                    result: Some(r.clone()),
                    conflict_copy: Some(conflict_copy(l)),
                },
                MergeRule::PerField => keep(Some(&merge_fields(base, l, r))),
            }
        }
    }
}

fn conflict_copy(local: &Value) -> Value {
    let mut copy = local.clone();
    if let Some(obj) = copy.as_object_mut() {
        let title = match obj.get("title").and_then(Value::as_str) {
            Some(t) if !t.is_empty() => format!("{t} (conflict copy)"),
            _ => "Conflict copy".to_owned(),
        };
        obj.insert("title".into(), Value::String(title));
        let mut tags: Vec<Value> = obj
            .get("tags")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        if !tags.iter().any(|t| t == "conflict") {
            tags.push(Value::String("conflict".into()));
        }
        obj.insert("tags".into(), Value::Array(tags));
    }
    copy
}

fn union(remote: &[Value], local: &[Value]) -> Value {
    let mut out = remote.to_vec();
    for item in local {
        if !out.contains(item) {
            out.push(item.clone());
        }
    }
    Value::Array(out)
}

fn merge_fields(base: Option<&Value>, local: &Value, remote: &Value) -> Value {
    let (Some(l), Some(r)) = (local.as_object(), remote.as_object()) else {
        return local.clone();
    };
    let empty = Map::new();
    let b = base.and_then(Value::as_object).unwrap_or(&empty);
    let mut out = Map::new();
    let keys = crate::sort::set_from(l.keys().chain(r.keys()).chain(b.keys()));
    for key in keys {
        let (lv, rv, bv) = (l.get(key), r.get(key), b.get(key));
        let chosen = if lv == rv {
            lv
        } else if lv == bv {
            rv
        } else if rv == bv {
            lv
        } else {
            match (lv, rv) {
                (Some(Value::Array(la)), Some(Value::Array(ra))) => {
                    out.insert(key.clone(), union(ra, la));
                    continue;
                }
                _ => lv.or(rv),
            }
        };
        if let Some(v) = chosen {
            out.insert(key.clone(), v.clone());
        }
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    #[test]
    fn journal_keeps_both_versions() {
        let base = json!({"title": "Day", "body": {"type": "free", "text": "a"}, "tags": []});
        let local = json!({"title": "Day", "body": {"type": "free", "text": "local"}, "tags": []});
        let remote =
            json!({"title": "Day", "body": {"type": "free", "text": "remote"}, "tags": []});
        let m = merge(
            RecordKind::Journal,
            Some(&base),
            Some(&local),
            Some(&remote),
        );
        assert_eq!(m.result, Some(remote));
        let copy = m.conflict_copy.unwrap();
        assert_eq!(copy["body"]["text"], "local");
        assert_eq!(copy["title"], "Day (conflict copy)");
        assert_eq!(copy["tags"], json!(["conflict"]));
    }

    #[test]
    fn an_edit_beats_a_delete_either_way() {
        let v = json!({"x": 1});
        for kind in RecordKind::ALL {
            assert_eq!(
                merge(kind, Some(&v), Some(&v), None).result,
                Some(v.clone())
            );
            assert_eq!(
                merge(kind, Some(&v), None, Some(&v)).result,
                Some(v.clone())
            );
            assert_eq!(merge(kind, Some(&v), None, None).result, None);
        }
    }

    #[test]
    fn structured_records_merge_per_field() {
        let base = json!({"name": "Walk", "archived": false, "reminders": ["08:00"]});
        let local =
            json!({"name": "Evening walk", "archived": false, "reminders": ["08:00", "19:00"]});
        let remote = json!({"name": "Walk", "archived": true, "reminders": ["08:00", "12:00"]});
        let m = merge(RecordKind::Habit, Some(&base), Some(&local), Some(&remote));
        assert_eq!(
            m.result.unwrap(),
            json!({"name": "Evening walk", "archived": true, "reminders": ["08:00", "12:00", "19:00"]})
        );
        assert!(m.conflict_copy.is_none());
    }

    fn small_value() -> impl Strategy<Value = Value> {
        prop_oneof![
            (0i64..4).prop_map(Value::from),
            proptest::collection::vec(0i64..5, 0..4).prop_map(|v| json!(v)),
        ]
    }

    fn object() -> impl Strategy<Value = Value> {
        proptest::collection::btree_map("[abc]", small_value(), 0..4)
            .prop_map(|m| Value::Object(m.into_iter().collect()))
    }

    fn any_kind() -> impl Strategy<Value = RecordKind> {
        proptest::sample::select(RecordKind::ALL.to_vec())
    }

    proptest! {
        #[test]
        fn one_sided_changes_win(kind in any_kind(), base in object(), changed in object()) {
            prop_assert_eq!(merge(kind, Some(&base), Some(&changed), Some(&base)).result, Some(changed.clone()));
            prop_assert_eq!(merge(kind, Some(&base), Some(&base), Some(&changed)).result, Some(changed.clone()));
            prop_assert_eq!(merge(kind, Some(&base), Some(&changed), Some(&changed)).result, Some(changed));
        }

        #[test]
        fn journal_merges_lose_nothing(base in object(), local in object(), remote in object()) {
            let m = merge(RecordKind::Journal, Some(&base), Some(&local), Some(&remote));
            let result = m.result.unwrap();
            // Local changes are never lost (an unchanged local side has nothing to keep).
            let kept_local = local == base || result == local || m.conflict_copy.as_ref().is_some_and(|c| {
                local.as_object().unwrap().iter().all(|(k, v)| k == "title" || k == "tags" || c.get(k) == Some(v))
            });
            prop_assert!(result == remote || result == local);
            prop_assert!(kept_local);
        }

        #[test]
        fn per_field_merges_keep_both_sides_list_items(base in object(), local in object(), remote in object()) {
            let m = merge(RecordKind::SafetyPlan, Some(&base), Some(&local), Some(&remote));
            let result = m.result.unwrap();
            for (side, other) in [(&local, &remote), (&remote, &local)] {
                for (k, v) in side.as_object().unwrap() {
                    let changed_here = base.get(k) != Some(v);
                    let changed_there = base.get(k) != other.get(k);
                    if let (Some(items), true, true) = (v.as_array(), changed_here, changed_there) {
                        if other.get(k).is_some_and(Value::is_array) {
                            for item in items {
                                prop_assert!(result[k].as_array().unwrap().contains(item));
                            }
                        }
                    }
                }
            }
        }

        #[test]
        fn disjoint_field_changes_commute(base in object(), l in small_value(), r in small_value()) {
            let mut local = base.clone();
            local.as_object_mut().unwrap().insert("x".into(), l);
            let mut remote = base.clone();
            remote.as_object_mut().unwrap().insert("y".into(), r);
            let a = merge(RecordKind::Habit, Some(&base), Some(&local), Some(&remote)).result;
            let b = merge(RecordKind::Habit, Some(&base), Some(&remote), Some(&local)).result;
            prop_assert_eq!(a, b);
        }
    }
}
