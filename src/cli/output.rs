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

/// Write `bytes` to `path` atomically. A path that is not a regular file
/// (`/dev/null`, `/dev/stdout`, a named pipe) is written in place: renaming over it
/// would replace the device with a regular file (as root, `-o /dev/null` deleted the
/// system's `/dev/null`). A symbolic link stays one: the file it points to is replaced.
pub fn write_atomically(
    path: &Path,
    bytes: &[u8],
    permissions: Permissions,
) -> std::io::Result<()> {
    if let Ok(metadata) = std::fs::metadata(path) {
        if !metadata.is_file() && !metadata.is_dir() {
            return std::fs::OpenOptions::new()
                .write(true)
                .open(path)?
                .write_all(bytes);
        }
    }
    let is_link = std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
    let target;
    let path = if is_link {
        target = std::fs::canonicalize(path)?;
        target.as_path()
    } else {
        path
    };
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

    #[cfg(unix)]
    #[test]
    fn a_named_pipe_is_written_through_not_replaced() {
        // Like `-o /dev/null`: renaming over a special file would replace it.
        use std::os::unix::fs::FileTypeExt;
        let directory = tempfile::tempdir().expect("a temporary directory");
        let pipe = directory.path().join("pipe");
        let made = std::process::Command::new("mkfifo").arg(&pipe).status();
        if !made.is_ok_and(|s| s.success()) {
            eprintln!("note: mkfifo is missing; skipped");
            return;
        }
        let reader = {
            let pipe = pipe.clone();
            std::thread::spawn(move || std::fs::read(pipe).expect("read the pipe"))
        };
        write_atomically(&pipe, b"through", Permissions::Keep).expect("written");
        // Checked before joining: a reader of a replaced pipe would wait for ever.
        let kind = std::fs::symlink_metadata(&pipe)
            .expect("metadata")
            .file_type();
        assert!(kind.is_fifo(), "the pipe was replaced: {kind:?}");
        assert_eq!(reader.join().expect("the reader"), b"through");
    }

    #[cfg(unix)]
    #[test]
    fn a_symbolic_link_stays_one() {
        let directory = tempfile::tempdir().expect("a temporary directory");
        let target = directory.path().join("report.html");
        let link = directory.path().join("latest.html");
        std::fs::write(&target, "old").expect("write");
        std::os::unix::fs::symlink(&target, &link).expect("link");
        write_atomically(&link, b"new", Permissions::Keep).expect("written");
        assert!(std::fs::symlink_metadata(&link)
            .expect("metadata")
            .file_type()
            .is_symlink());
        assert_eq!(std::fs::read_to_string(&target).expect("read"), "new");
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
