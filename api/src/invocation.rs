//! How the user runs the `maatwerk` command, for the commands that the command line and the
//! demo suggest.

use std::path::PathBuf;

/// How the user ran this command: `maatwerk` when found on the `PATH`, otherwise the path they
/// typed (`./target/debug/maatwerk`), which `cargo run` also passes.
pub fn program() -> String {
    let invoked = std::env::args().next().unwrap_or_else(|| "maatwerk".into());
    if !invoked.contains('/') {
        return "maatwerk".into();
    }
    // A path relative to where the user is works as typed; an absolute one inside the working
    // directory is shortened to a relative one.
    let path = PathBuf::from(&invoked);
    match std::env::current_dir()
        .ok()
        .and_then(|here| path.strip_prefix(&here).ok().map(PathBuf::from))
    {
        Some(relative) => format!("./{}", relative.display()),
        None => invoked,
    }
}
