//! Raw system calls the sandbox must refuse, made directly so that the
//! answer is the kernel's (std would fail earlier, or differently).
#![allow(unsafe_code)]

fn errno() -> i32 {
    std::io::Error::last_os_error().raw_os_error().unwrap_or(-1)
}

/// `execve("/bin/true")`: 0 never comes back (it would have run), so any
/// return is the refusal's errno.
pub fn exec_true() -> i32 {
    let path = c"/bin/true";
    let argv = [path.as_ptr(), std::ptr::null()];
    let envp = [std::ptr::null::<libc::c_char>()];
    // SAFETY: the path and both vectors are NUL-terminated and live across
    // the call; on success the process image is replaced (not expected).
    unsafe { libc::execve(path.as_ptr(), argv.as_ptr(), envp.as_ptr()) };
    errno()
}

/// Tries to get executable memory: 0 a fresh `PROT_EXEC` mapping, 1 a
/// writable mapping re-protected executable. The errno, or 0 if it worked.
pub fn executable_memory(how: i32) -> i32 {
    let len = 4096;
    let initial = if how == 0 {
        libc::PROT_READ | libc::PROT_EXEC
    } else {
        libc::PROT_READ | libc::PROT_WRITE
    };
    // SAFETY: an anonymous private mapping at an address of the kernel's
    // choosing aliases nothing.
    let map = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            len,
            initial,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
            -1,
            0,
        )
    };
    if map == libc::MAP_FAILED {
        return errno();
    }
    let result = if how == 0 {
        0
    } else {
        // SAFETY: `map` is the mapping made above, `len` bytes long.
        match unsafe { libc::mprotect(map, len, libc::PROT_READ | libc::PROT_EXEC) } {
            0 => 0,
            _ => errno(),
        }
    };
    // SAFETY: unmaps exactly the mapping made above; nothing refers to it.
    unsafe { libc::munmap(map, len) };
    result
}

/// `prctl(PR_GET_DUMPABLE)`: 0 when core dumps and ptrace are refused.
pub fn dumpable() -> i32 {
    // SAFETY: PR_GET_DUMPABLE takes no pointer.
    unsafe { libc::prctl(libc::PR_GET_DUMPABLE) }
}
