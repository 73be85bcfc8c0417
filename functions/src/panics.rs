//! What a server process says when something panics: where, never what. A panic's message can
//! quote the request or a document (a name, a diagnosis); logs carry ids and counts only.

/// Replaces the panic hook for the whole process (servers only: tests keep the default, whose
/// messages explain failed assertions).
pub fn log_locations_only() {
    std::panic::set_hook(Box::new(|info| {
        let at = info.location().map(|l| format!("{}:{}", l.file(), l.line())).unwrap_or_default();
        tracing::error!(at, thread = std::thread::current().name().unwrap_or("unnamed"), "panic");
    }));
}
