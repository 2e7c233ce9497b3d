//! Progress on commands that may run past two seconds (`check`, `report`, `export`, `assess`,
//! `verify`): a spinner on stderr with the elapsed whole seconds, shown only once two seconds
//! have passed and only on a terminal (indicatif hides it otherwise), cleared when done.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::time::Duration;

/// A spinner for `what`; drop it (or call `finish_and_clear`) when the work is done.
pub struct Spinner(ProgressBar);

impl Spinner {
    pub fn start(what: &str) -> Spinner {
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden());
        bar.set_style(ProgressStyle::with_template("{spinner} {msg} ({elapsed})").expect("a valid template"));
        bar.set_message(what.to_string());
        let shown = bar.clone();
        // Quick commands stay silent: the spinner is drawn only after two seconds.
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_secs(2));
            if !shown.is_finished() {
                shown.set_draw_target(ProgressDrawTarget::stderr());
                shown.enable_steady_tick(Duration::from_millis(200));
            }
        });
        Spinner(bar)
    }
}

impl Drop for Spinner {
    fn drop(&mut self) {
        self.0.finish_and_clear();
    }
}

/// Shows warnings on stderr (`RUST_LOG` widens them), e.g. a snapshot passed over at load.
/// sqlx's "slow statement" warnings are left out (`sqlx::query=error`): writing the snapshot of
/// a million operations takes a second or two, which a command's user is not asked to act on
/// (`custody serve` still logs them).
pub fn show_warnings() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn,sqlx::query=error")),
        )
        .with_writer(std::io::stderr)
        .without_time()
        .with_target(false)
        .try_init();
}
