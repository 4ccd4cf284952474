//! Files the commands write: whole or not at all (a temporary file in the same
//! directory, synced, then renamed over the target), so a reader never sees half of one.

use std::io::Write;
use std::path::Path;

/// Write to stdout; a reader that went away (`| head`) is not an error worth a panic,
/// as `print!` would make it.
pub fn print_stdout(text: &str) {
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}

/// Who may run the file written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permissions {
    /// Those the file already has, else the default.
    Keep,
    /// Executable (a shell script), on Unix.
    Executable,
}

/// Write `bytes` to `path` atomically.
pub fn write_atomically(
    path: &Path,
    bytes: &[u8],
    permissions: Permissions,
) -> std::io::Result<()> {
    let name = path
        .file_name()
        .ok_or_else(|| std::io::Error::other("the path names no file"))?;
    let directory = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let mut temporary_name = std::ffi::OsString::from(".");
    temporary_name.push(name);
    temporary_name.push(format!(".drplan-{}.tmp", std::process::id()));
    let temporary = directory.join(temporary_name);
    let result = (|| {
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temporary)?;
        file.write_all(bytes)?;
        match permissions {
            Permissions::Keep => {
                if let Ok(metadata) = std::fs::metadata(path) {
                    file.set_permissions(metadata.permissions())?;
                }
            }
            Permissions::Executable => make_executable(&file)?,
        }
        file.sync_all()?;
        std::fs::rename(&temporary, path)?;
        // The rename itself is durable once the directory is synced (where that is possible).
        if let Ok(directory) = std::fs::File::open(directory) {
            let _ = directory.sync_all();
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    result
}

#[cfg(unix)]
fn make_executable(file: &std::fs::File) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    file.set_permissions(std::fs::Permissions::from_mode(0o755))
}

#[cfg(not(unix))]
fn make_executable(_: &std::fs::File) -> std::io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_the_file_whole_and_leaves_no_temporary() {
        let directory = tempfile::tempdir().expect("a temporary directory");
        let path = directory.path().join("runbook.sh");
        std::fs::write(&path, "old").expect("write");
        write_atomically(&path, b"new", Permissions::Executable).expect("written");
        assert_eq!(std::fs::read_to_string(&path).expect("read"), "new");
        let names: Vec<_> = std::fs::read_dir(directory.path())
            .expect("list")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("runbook.sh")]);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path)
                .expect("metadata")
                .permissions()
                .mode();
            assert_eq!(mode & 0o111, 0o111, "{mode:o}");
        }
    }

    #[test]
    fn a_failed_write_leaves_the_old_file() {
        let directory = tempfile::tempdir().expect("a temporary directory");
        let missing = directory
            .path()
            .join("no-such-directory")
            .join("report.html");
        assert!(write_atomically(&missing, b"x", Permissions::Keep).is_err());
    }
}
