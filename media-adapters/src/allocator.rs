//! glibc's allocator set for a process that renders photos (issue 13).
//!
//! Each photo allocates and frees a few buffers of 5–20 MB (the decoded
//! pixels, the resizer's intermediate, the encoder's coefficients).
//! glibc's defaults hand such memory back to the kernel after each photo —
//! a worker thread's arena is trimmed with `madvise`, and with 8 arenas a
//! core every thread the JPEG decoder starts may take a fresh one — so the
//! next photo faults every page in again. On the 16-file corpus,
//! `media-cli pipeline run` took 232,000–290,000 page faults and
//! 3.52–3.54 s of CPU; with the settings below 35,000–37,000 faults and
//! 3.15–3.17 s (-10 %), the median image 198–201 → 177–182 ms, the peak
//! RSS unchanged (128–141 MB against 129–139).
//! BENCHMARKS.md has the figures and their command.

/// One `mallopt` setting: the parameter, its value, and the variable an
/// operator sets to choose it themselves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Setting {
    /// glibc's `M_*` parameter number.
    pub param: i32,
    /// Its value.
    pub value: i32,
    /// `MALLOC_…_`: when the environment has it, glibc has read it and we leave it.
    pub env: &'static str,
}

// glibc's parameter numbers (malloc.h).
const M_TRIM_THRESHOLD: i32 = -1;
const M_MMAP_THRESHOLD: i32 = -3;
const M_ARENA_MAX: i32 = -8;

/// What [`tune`] sets, given which variables the environment has (`is_set`)
/// and the CPUs:
/// - one arena a CPU (glibc's default is eight a core): the decoder's
///   short-lived threads reuse an arena instead of spreading pixels over
///   new ones;
/// - memory freed stays with the process until 256 MiB sit unused at an
///   arena's top (glibc: 128 KiB), so a photo reuses the pages of the one
///   before it — one 24 MP photo's peak is ~100 MB;
/// - a block of 32 MiB or more (glibc's largest mmap threshold; only very
///   large images need one) is mapped and unmapped on its own, so a huge
///   image's memory goes back to the kernel as soon as it is done.
///
/// `GLIBC_TUNABLES` in the environment means an operator tunes glibc
/// themselves: nothing is set.
pub fn settings(is_set: impl Fn(&str) -> bool, cpus: usize) -> Vec<Setting> {
    if is_set("GLIBC_TUNABLES") {
        return Vec::new();
    }
    let arenas = i32::try_from(cpus.max(2)).unwrap_or(i32::MAX);
    [
        Setting {
            param: M_ARENA_MAX,
            value: arenas,
            env: "MALLOC_ARENA_MAX",
        },
        Setting {
            param: M_TRIM_THRESHOLD,
            value: 256 << 20,
            env: "MALLOC_TRIM_THRESHOLD_",
        },
        Setting {
            param: M_MMAP_THRESHOLD,
            value: 32 << 20,
            env: "MALLOC_MMAP_THRESHOLD_",
        },
    ]
    .into_iter()
    .filter(|s| !is_set(s.env))
    .collect()
}

/// Applies [`settings`] for this process's environment. Call it first in
/// `main`, before any thread starts (an arena limit binds threads created
/// after it). Does nothing off glibc.
pub fn tune() {
    let cpus = std::thread::available_parallelism().map_or(2, |n| n.get());
    apply(settings(|k| std::env::var_os(k).is_some(), cpus));
}

/// The binaries' async runtime (multi-thread, every driver on), built
/// after [`tune`]: the order is the point, the arena limit binds only the
/// threads created after it.
pub fn tuned_runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tune();
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn apply(wanted: Vec<Setting>) -> Vec<Setting> {
    unsafe extern "C" {
        fn mallopt(param: i32, value: i32) -> i32;
    }
    wanted
        .into_iter()
        // SAFETY: mallopt takes two ints and changes allocator parameters
        // only; glibc serialises it against allocations in other threads.
        .filter(|s| unsafe { mallopt(s.param, s.value) } == 1)
        .collect()
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn apply(_wanted: Vec<Setting>) -> Vec<Setting> {
    Vec::new()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(names: &'static [&'static str]) -> impl Fn(&str) -> bool {
        move |k| names.contains(&k)
    }

    #[test]
    fn an_untuned_process_gets_one_arena_a_cpu_and_keeps_its_freed_pages() {
        let s = settings(env(&[]), 4);
        assert_eq!(
            s.iter().map(|s| (s.param, s.value)).collect::<Vec<_>>(),
            [
                (M_ARENA_MAX, 4),
                (M_TRIM_THRESHOLD, 256 << 20),
                (M_MMAP_THRESHOLD, 32 << 20)
            ]
        );
        // Never fewer than two arenas: the API and the workers.
        assert_eq!(settings(env(&[]), 1)[0].value, 2);
    }

    #[test]
    fn what_an_operator_sets_is_left_as_they_set_it() {
        let s = settings(env(&["MALLOC_ARENA_MAX"]), 2);
        assert!(s.iter().all(|s| s.param != M_ARENA_MAX), "{s:?}");
        assert_eq!(s.len(), 2);
        assert!(settings(env(&["GLIBC_TUNABLES"]), 2).is_empty());
    }

    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    #[test]
    fn glibc_accepts_every_setting() {
        // The values are within glibc's bounds (an mmap threshold above
        // 32 MiB is refused with 0): each call answers 1.
        let wanted = settings(env(&[]), 2);
        assert_eq!(apply(wanted.clone()), wanted);
    }
}
