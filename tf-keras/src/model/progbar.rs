//! Keras 2's `Progbar`: the `fit`/`evaluate`/`predict` progress line, redrawn in place on a
//! terminal (`\b…\r`) and printed one line per update otherwise.

use std::io::{IsTerminal, Write};
use std::time::Instant;

/// A metric value as Keras prints it: `{:.4f}` when `|v| > 1e-3`, else `{:.4e}` with
/// Python's exponent (`0.0000e+00`).
pub fn format_value(v: f64) -> String {
    if v.abs() > 1e-3 {
        format!("{v:.4}")
    } else {
        python_exp(v)
    }
}

/// `{:.4e}` as Python writes it: the exponent signed and at least two digits.
fn python_exp(v: f64) -> String {
    let s = format!("{v:.4e}");
    let Some((mant, exp)) = s.split_once('e') else { return s };
    let (sign, digits) = match exp.strip_prefix('-') {
        Some(d) => ('-', d),
        None => ('+', exp),
    };
    format!("{mant}e{sign}{digits:0>2}")
}

/// Keras's `_format_time`: ` 3s/step`, ` 2ms/step` or ` 512us/step`.
fn format_time(per_unit: f64, unit: &str) -> String {
    if per_unit >= 1.0 || per_unit == 0.0 {
        format!(" {per_unit:.0}s/{unit}")
    } else if per_unit >= 1e-3 {
        format!(" {:.0}ms/{unit}", per_unit * 1e3)
    } else {
        format!(" {:.0}us/{unit}", per_unit * 1e6)
    }
}

/// A progress bar over `target` steps (or an unknown number).
pub struct Progbar {
    target: Option<usize>,
    verbose: u8,
    width: usize,
    interval: f64,
    dynamic: bool,
    start: Instant,
    last_update: Option<Instant>,
    after_first_step: Option<Instant>,
    total_width: usize,
    out: Box<dyn Write + Send>,
}

impl Progbar {
    /// A bar writing to stdout (redrawn in place when stdout is a terminal).
    pub fn new(target: Option<usize>, verbose: u8) -> Progbar {
        let dynamic = std::io::stdout().is_terminal();
        Progbar::with_output(target, verbose, dynamic, Box::new(std::io::stdout()))
    }

    /// A bar writing to `out`; `dynamic` redraws in place.
    pub fn with_output(target: Option<usize>, verbose: u8, dynamic: bool, out: Box<dyn Write + Send>) -> Progbar {
        Progbar {
            target,
            verbose,
            width: 30,
            interval: 0.05,
            dynamic,
            start: Instant::now(),
            last_update: None,
            after_first_step: None,
            total_width: 0,
            out,
        }
    }

    fn step_duration(&mut self, current: usize, now: Instant) -> f64 {
        if current == 0 {
            return 0.0;
        }
        let per = match self.after_first_step {
            Some(t) if current > 1 => (now - t).as_secs_f64() / (current - 1) as f64,
            _ => (now - self.start).as_secs_f64() / current as f64,
        };
        if current == 1 {
            self.after_first_step = Some(now);
        }
        per
    }

    /// Shows progress at step `current` with `values` (already averaged, as fit's logs are).
    /// `finalize` ends the bar with a newline.
    pub fn update(&mut self, current: usize, values: &[(String, f64)], finalize: bool) {
        let now = Instant::now();
        let elapsed = (now - self.start).as_secs_f64();
        let mut info = format!(" - {elapsed:.0}s");
        let mut message = String::new();
        match self.verbose {
            1 => {
                if !finalize && self.last_update.is_some_and(|t| (now - t).as_secs_f64() < self.interval) {
                    return;
                }
                let prev = self.total_width;
                if self.dynamic {
                    message.push_str(&"\u{8}".repeat(prev));
                    message.push('\r');
                }
                let bar = match self.target {
                    Some(target) => {
                        let digits = target.max(1).ilog10() as usize + 1;
                        let mut bar = format!("{current:>digits$}/{target} [");
                        let prog_width = (self.width as f64 * current as f64 / target.max(1) as f64) as usize;
                        if prog_width > 0 {
                            bar.push_str(&"=".repeat(prog_width - 1));
                            bar.push(if current < target { '>' } else { '=' });
                        }
                        bar.push_str(&".".repeat(self.width.saturating_sub(prog_width)));
                        bar.push(']');
                        bar
                    }
                    None => format!("{current:7}/Unknown"),
                };
                self.total_width = bar.chars().count();
                message.push_str(&bar);
                let per = self.step_duration(current, now);
                match self.target {
                    Some(target) if !finalize => {
                        let eta = per * target.saturating_sub(current) as f64;
                        let eta = if eta > 3600.0 {
                            format!(
                                "{}:{:02}:{:02}",
                                (eta / 3600.0) as u64,
                                ((eta % 3600.0) / 60.0) as u64,
                                (eta % 60.0) as u64
                            )
                        } else if eta > 60.0 {
                            format!("{}:{:02}", (eta / 60.0) as u64, (eta % 60.0) as u64)
                        } else {
                            format!("{}s", eta as u64)
                        };
                        info = format!(" - ETA: {eta}");
                    }
                    _ => info.push_str(&format_time(per, "step")),
                }
                for (k, v) in values {
                    info.push_str(&format!(" - {k}: {}", format_value(*v)));
                }
                self.total_width += info.chars().count();
                if self.dynamic && prev > self.total_width {
                    info.push_str(&" ".repeat(prev - self.total_width));
                }
                if finalize || !self.dynamic {
                    info.push('\n');
                }
                message.push_str(&info);
            }
            2 if finalize => {
                let target = self.target.unwrap_or(current);
                let digits = target.max(1).ilog10() as usize + 1;
                let mut line = format!("{current:>digits$}/{target}{info}");
                for (k, v) in values {
                    // Keras's verbose=2 branch tests `v > 1e-3` (not the absolute value).
                    let s = if *v > 1e-3 { format!("{v:.4}") } else { python_exp(*v) };
                    line.push_str(&format!(" - {k}: {s}"));
                }
                line.push_str(&format!(" -{}", format_time(elapsed, "epoch")));
                line.push_str(&format!(" -{}", format_time(elapsed / target.max(1) as f64, "step")));
                line.push('\n');
                message = line;
            }
            _ => {}
        }
        if !message.is_empty() {
            let _ = self.out.write_all(message.as_bytes());
            let _ = self.out.flush();
        }
        self.last_update = Some(now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_print_like_keras() {
        assert_eq!(format_value(0.49861), "0.4986");
        assert_eq!(format_value(0.0), "0.0000e+00");
        assert_eq!(format_value(0.000123456), "1.2346e-04");
        assert_eq!(format_value(-2.5), "-2.5000");
        assert_eq!(format_time(2.0, "step"), " 2s/step");
        assert_eq!(format_time(0.0021, "step"), " 2ms/step");
        assert_eq!(format_time(0.000_512, "step"), " 512us/step");
    }
}
