//! The standard `process_*` metrics (Prometheus client conventions), read
//! from `/proc/self` at each scrape: a few hundred bytes from two files,
//! microseconds. On other systems they are absent.

const RSS: &str = "process_resident_memory_bytes";
const CPU: &str = "process_cpu_seconds_total";
const THREADS: &str = "process_threads";
const OPEN_FDS: &str = "process_open_fds";
const START: &str = "process_start_time_seconds";

pub fn describe() {
    metrics::describe_gauge!(RSS, metrics::Unit::Bytes, "Resident memory size.");
    // A gauge holding a growing total: the facade's counters are integers,
    // and whole CPU seconds are too coarse for `rate()` on a 2-core box.
    metrics::describe_gauge!(
        CPU,
        metrics::Unit::Seconds,
        "User and system CPU time spent."
    );
    metrics::describe_gauge!(THREADS, "Operating system threads.");
    metrics::describe_gauge!(OPEN_FDS, "Open file descriptors.");
    metrics::describe_gauge!(
        START,
        metrics::Unit::Seconds,
        "Start time of the process since the Unix epoch."
    );
}

#[cfg(target_os = "linux")]
pub fn sample() {
    let Some(stat) = Stat::read() else { return };
    let ticks = rustix::param::clock_ticks_per_second() as f64;
    let page = rustix::param::page_size() as f64;
    metrics::gauge!(RSS).set(stat.rss_pages * page);
    metrics::gauge!(CPU).set((stat.utime + stat.stime) / ticks);
    metrics::gauge!(THREADS).set(stat.threads);
    // Fixed for the life of the process: read once.
    static START_TIME: std::sync::OnceLock<Option<f64>> = std::sync::OnceLock::new();
    if let Some(start) = START_TIME.get_or_init(|| Some(boot_time()? + stat.start_ticks / ticks)) {
        metrics::gauge!(START).set(*start);
    }
    if let Ok(fds) = std::fs::read_dir("/proc/self/fd") {
        metrics::gauge!(OPEN_FDS).set(fds.count() as f64);
    }
}

#[cfg(not(target_os = "linux"))]
pub fn sample() {}

/// The fields of `/proc/self/stat` we report, as read (proc(5)).
#[cfg(target_os = "linux")]
#[derive(Debug, PartialEq)]
struct Stat {
    utime: f64,
    stime: f64,
    threads: f64,
    start_ticks: f64,
    rss_pages: f64,
}

#[cfg(target_os = "linux")]
impl Stat {
    fn read() -> Option<Self> {
        Self::parse(&std::fs::read_to_string("/proc/self/stat").ok()?)
    }

    /// The command name (field 2) may hold spaces and parentheses: fields
    /// are counted from the last `)`, where field 3 starts.
    fn parse(text: &str) -> Option<Self> {
        let rest = &text[text.rfind(')')? + 1..];
        let fields: Vec<&str> = rest.split_whitespace().collect();
        // Field n of proc(5) is fields[n - 3].
        let field = |n: usize| fields.get(n - 3)?.parse::<f64>().ok();
        Some(Self {
            utime: field(14)?,
            stime: field(15)?,
            threads: field(20)?,
            start_ticks: field(22)?,
            rss_pages: field(24)?,
        })
    }
}

#[cfg(target_os = "linux")]
fn boot_time() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    stat.lines()
        .find_map(|l| l.strip_prefix("btime "))?
        .trim()
        .parse()
        .ok()
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::Stat;

    #[test]
    fn a_command_name_with_spaces_and_parentheses_does_not_shift_the_fields() {
        let line = "4242 (media (x) srv) S 1 4242 4242 0 -1 4194560 900 0 0 0 \
                    250 75 0 0 20 0 17 0 123456 1000000 3000 18446744073709551615";
        assert_eq!(
            Stat::parse(line),
            Some(Stat {
                utime: 250.0,
                stime: 75.0,
                threads: 17.0,
                start_ticks: 123456.0,
                rss_pages: 3000.0,
            })
        );
    }

    #[test]
    fn this_process_reads() {
        let s = Stat::read().unwrap();
        assert!(s.rss_pages > 0.0 && s.threads >= 1.0);
    }
}
