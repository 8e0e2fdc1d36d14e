//! The push rule of protocol v1, in one place: the server applies it inside its storage
//! transaction and the core's in-memory test server applies it too, so both answer a
//! mutation the same way. Pure: no storage, no encoding, no clock.
//!
//! The rule, for one mutation of a device whose last applied mutation number is `last`:
//!
//! 1. `mutation_seq <= last` is a retry or an out-of-date copy of the device. If the stored
//!    record holds exactly this blob and deleted flag, the original outcome is repeated
//!    ([`Decision::Retried`], answered `Applied` with the stored `server_seq`); otherwise
//!    nothing changes ([`Decision::Duplicate`]).
//! 2. No stored record: the mutation is written, whatever its `base_seq` (a record new to
//!    this server, or one the server no longer holds: nothing can be overwritten, so there
//!    is no conflict to report).
//! 3. `base_seq` equals the stored `server_seq`: written as the next version.
//! 4. A stale `base_seq` whose blob and deleted flag equal the stored copy: success without
//!    a new version ([`Decision::Identical`]).
//! 5. Otherwise a conflict: the device merges the stored copy.
//!
//! The kind tag is opaque (current clients send [`crate::OPAQUE_KIND`]) and never compared;
//! the stored kind is whatever the latest write sent. Only [`Decision::Write`] and
//! [`Decision::Identical`] advance the device's last applied mutation number
//! ([`Decision::advances`]); a conflict or a duplicate never does.

/// What the rule needs to know about the stored copy of the record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoredVersion {
    /// The stored `server_seq`.
    pub server_seq: u64,
    /// Whether the stored blob and deleted flag are exactly the mutation's.
    pub same_content: bool,
}

/// What to do with one mutation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// A retry whose version the server still holds: answer `Applied` with the stored
    /// `server_seq`, change nothing.
    Retried {
        /// The stored `server_seq`.
        server_seq: u64,
    },
    /// A mutation number at or below the device's last one whose content is not stored:
    /// answer `Duplicate`, change nothing.
    Duplicate,
    /// Store it as the next version of the record.
    Write,
    /// Identical to the stored copy: answer `Applied` with the stored `server_seq`.
    Identical {
        /// The stored `server_seq`.
        server_seq: u64,
    },
    /// Stale base: answer `Conflict` with the stored copy.
    Conflict,
}

impl Decision {
    /// Whether this outcome moves the device's last applied mutation number up to the
    /// mutation's number (only a write or an identical copy does).
    pub fn advances(self) -> bool {
        matches!(self, Decision::Write | Decision::Identical { .. })
    }
}

/// Applies the push rule to one mutation (`mutation_seq`, `base_seq`) given the device's last
/// applied mutation number and the stored copy of the record, if any.
pub fn decide(
    last_mutation_seq: u64,
    mutation_seq: u64,
    base_seq: u64,
    stored: Option<StoredVersion>,
) -> Decision {
    if mutation_seq <= last_mutation_seq {
        return match stored {
            Some(s) if s.same_content => Decision::Retried {
                server_seq: s.server_seq,
            },
            _ => Decision::Duplicate,
        };
    }
    match stored {
        None => Decision::Write,
        Some(s) if s.server_seq == base_seq => Decision::Write,
        Some(s) if s.same_content => Decision::Identical {
            server_seq: s.server_seq,
        },
        Some(_) => Decision::Conflict,
    }
}

/// The device's last applied mutation number after `decision` on a mutation numbered
/// `mutation_seq`.
pub fn next_last(last_mutation_seq: u64, mutation_seq: u64, decision: Decision) -> u64 {
    if decision.advances() {
        last_mutation_seq.max(mutation_seq)
    } else {
        last_mutation_seq
    }
}

/// The rule's conformance table: every implementation of a push (each server backend, the
/// core's in-memory test server) runs these cases through its own code path and must answer
/// each the same way. A case stores (or not) one record with blob `A`, not deleted, at
/// `stored_seq`, then pushes one mutation whose blob is `A` (`same_content`) or `B`.
pub mod conformance {
    /// What the answer to the pushed mutation must be.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Expect {
        /// `Applied` with a new `server_seq` above every stored one (a write).
        AppliedNew,
        /// `Applied` with the stored record's `server_seq` (a retry or identical copy).
        AppliedStored,
        /// `Duplicate` with the stored `server_seq` (0 when nothing is stored).
        Duplicate,
        /// `Conflict` carrying the stored copy.
        Conflict,
    }

    /// One case of the table.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub struct Case {
        /// What the case shows.
        pub name: &'static str,
        /// The device's last applied mutation number before the push.
        pub last_mutation_seq: u64,
        /// The stored record's `server_seq`, or `None` when the server holds no copy.
        pub stored_seq: Option<u64>,
        /// Whether the mutation carries the stored blob and deleted flag.
        pub same_content: bool,
        /// The mutation's number.
        pub mutation_seq: u64,
        /// The mutation's `base_seq`.
        pub base_seq: u64,
        /// The expected answer.
        pub expect: Expect,
        /// The device's last applied mutation number after the push.
        pub expect_last: u64,
    }

    const fn case(
        name: &'static str,
        last_mutation_seq: u64,
        stored_seq: Option<u64>,
        same_content: bool,
        (mutation_seq, base_seq): (u64, u64),
        expect: Expect,
        expect_last: u64,
    ) -> Case {
        Case {
            name,
            last_mutation_seq,
            stored_seq,
            same_content,
            mutation_seq,
            base_seq,
            expect,
            expect_last,
        }
    }

    /// The table.
    pub const CASES: &[Case] = &[
        case("new record", 0, None, false, (1, 0), Expect::AppliedNew, 1),
        case(
            "new record with base_seq != 0 (the server lost it)",
            3,
            None,
            false,
            (4, 7),
            Expect::AppliedNew,
            4,
        ),
        case(
            "current base",
            0,
            Some(4),
            false,
            (1, 4),
            Expect::AppliedNew,
            1,
        ),
        case(
            "current base, same content",
            0,
            Some(4),
            true,
            (1, 4),
            Expect::AppliedNew,
            1,
        ),
        case(
            "stale base, identical copy",
            0,
            Some(4),
            true,
            (1, 3),
            Expect::AppliedStored,
            1,
        ),
        case(
            "stale base, other content",
            0,
            Some(4),
            false,
            (1, 3),
            Expect::Conflict,
            0,
        ),
        case(
            "base 0 over a stored record",
            2,
            Some(4),
            false,
            (3, 0),
            Expect::Conflict,
            2,
        ),
        case(
            "retry whose version is stored",
            5,
            Some(9),
            true,
            (5, 0),
            Expect::AppliedStored,
            5,
        ),
        case(
            "old number, other content",
            5,
            Some(9),
            false,
            (3, 9),
            Expect::Duplicate,
            5,
        ),
        case(
            "old number, nothing stored",
            5,
            None,
            false,
            (3, 0),
            Expect::Duplicate,
            5,
        ),
    ];

    /// Checks an implementation's answer to `case` against the table: `Ok` or what differs.
    pub fn check(
        case: &Case,
        result: &crate::MutationResult,
        last_after: u64,
    ) -> Result<(), String> {
        use crate::MutationResult as R;
        let stored = case.stored_seq.unwrap_or(0);
        let ok = match (case.expect, result) {
            (Expect::AppliedNew, R::Applied { server_seq, .. }) => *server_seq > stored,
            (Expect::AppliedStored, R::Applied { server_seq, .. }) => *server_seq == stored,
            (Expect::Duplicate, R::Duplicate { server_seq, .. }) => *server_seq == stored,
            (Expect::Conflict, R::Conflict { current, .. }) => current.server_seq == stored,
            _ => false,
        };
        let seq_ok = match result {
            R::Applied { mutation_seq, .. }
            | R::Duplicate { mutation_seq, .. }
            | R::Conflict { mutation_seq, .. } => *mutation_seq == case.mutation_seq,
        };
        if ok && seq_ok && last_after == case.expect_last {
            Ok(())
        } else {
            Err(format!(
                "{}: expected {:?} (last {}), got {result:?} (last {last_after})",
                case.name, case.expect, case.expect_last
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stored(server_seq: u64, same_content: bool) -> Option<StoredVersion> {
        Some(StoredVersion {
            server_seq,
            same_content,
        })
    }

    #[test]
    fn retries_repeat_their_outcome_only_when_the_content_is_stored() {
        assert_eq!(
            decide(5, 5, 0, stored(9, true)),
            Decision::Retried { server_seq: 9 }
        );
        assert_eq!(decide(5, 3, 0, stored(9, false)), Decision::Duplicate);
        assert_eq!(decide(5, 3, 0, None), Decision::Duplicate);
    }

    #[test]
    fn new_current_stale_and_identical_mutations() {
        assert_eq!(decide(0, 1, 0, None), Decision::Write);
        assert_eq!(
            decide(0, 1, 7, None),
            Decision::Write,
            "record the server lost"
        );
        assert_eq!(decide(0, 1, 4, stored(4, false)), Decision::Write);
        assert_eq!(decide(0, 1, 4, stored(4, true)), Decision::Write);
        assert_eq!(
            decide(0, 1, 3, stored(4, true)),
            Decision::Identical { server_seq: 4 }
        );
        assert_eq!(decide(0, 1, 3, stored(4, false)), Decision::Conflict);
        assert_eq!(decide(0, 1, 0, stored(4, false)), Decision::Conflict);
    }

    #[test]
    fn only_writes_and_identical_copies_advance_the_device_counter() {
        assert_eq!(next_last(5, 6, Decision::Write), 6);
        assert_eq!(next_last(5, 6, Decision::Identical { server_seq: 1 }), 6);
        assert_eq!(next_last(5, 6, Decision::Conflict), 5);
        assert_eq!(next_last(5, 4, Decision::Duplicate), 5);
        assert_eq!(next_last(5, 4, Decision::Retried { server_seq: 2 }), 5);
    }

    #[test]
    fn the_rule_itself_passes_its_conformance_table() {
        use crate::{MutationResult, WireRecord};
        for case in conformance::CASES {
            let stored = case.stored_seq.map(|server_seq| StoredVersion {
                server_seq,
                same_content: case.same_content,
            });
            let d = decide(
                case.last_mutation_seq,
                case.mutation_seq,
                case.base_seq,
                stored,
            );
            let stored_seq = case.stored_seq.unwrap_or(0);
            let result = match d {
                Decision::Write => MutationResult::Applied {
                    mutation_seq: case.mutation_seq,
                    server_seq: stored_seq + 1,
                },
                Decision::Retried { server_seq } | Decision::Identical { server_seq } => {
                    MutationResult::Applied {
                        mutation_seq: case.mutation_seq,
                        server_seq,
                    }
                }
                Decision::Duplicate => MutationResult::Duplicate {
                    mutation_seq: case.mutation_seq,
                    server_seq: stored_seq,
                },
                Decision::Conflict => MutationResult::Conflict {
                    mutation_seq: case.mutation_seq,
                    current: WireRecord {
                        id: String::new(),
                        kind: String::new(),
                        blob: String::new(),
                        deleted: false,
                        server_seq: stored_seq,
                    },
                },
            };
            let last = next_last(case.last_mutation_seq, case.mutation_seq, d);
            conformance::check(case, &result, last).unwrap();
        }
    }
}
