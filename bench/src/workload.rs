//! The shared workload: sizes and deterministic 2 KB journal-like bodies.

/// How much work one run does.
pub struct Config {
    /// Records in the large store used for reads and the scan.
    pub records: usize,
    /// Single-entry saves timed individually.
    pub saves: usize,
    /// Random reads by id timed individually.
    pub reads: usize,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            records: 100_000,
            saves: 10_000,
            reads: 20_000,
        }
    }
}

/// A 2,000-byte body of text-like bytes that differs per `seed` (so nothing compresses or
/// deduplicates unrealistically).
pub fn body(seed: u64) -> Vec<u8> {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..2000)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            b"abcdefghijklmnopqrstuvwxyz    .,eeeettaaoo"[(state % 42) as usize]
        })
        .collect()
}

/// A cheap deterministic pseudo-random index sequence for reads.
pub fn random_indices(count: usize, bound: usize) -> Vec<usize> {
    let mut state: u64 = 0x2545_F491_4F6C_DD1D;
    (0..count)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % bound as u64) as usize
        })
        .collect()
}
