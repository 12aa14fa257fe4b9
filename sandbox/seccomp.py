"""The seccomp filter of every sandbox: the system calls student code never needs fail.

Compiled with libseccomp (through ctypes: the system's ``libseccomp.so.2``, no Python
package) into the classic BPF program bubblewrap loads with ``--seccomp FD``, once per
process, and kept in a sealed memfd that a sandbox's entry helper opens by its
``/proc/<pid>/fd`` path: nothing is written to disk, and no one can change the program
between compiling and loading it. Blocked calls fail with EPERM, as they would without
privileges, so a program that probes them (Python's ``os`` module, glibc) carries on; the
one exception is ``clone3``, which fails with ENOSYS so glibc falls back to ``clone``,
whose flags (unlike clone3's, in memory) the filter can see. System calls of another
architecture's ABI (32-bit ``int 0x80``, x32) kill the process: they would bypass the
filter's numbers.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import functools
import os

from sandbox.errors import SandboxError

# Each is harmless to refuse: student code (Python, NumPy, Jupyter, pytest, a shell) never
# calls them, and each is a way out of the sandbox or into the kernel's less-trodden code.
BLOCKED = (
    # debugging and reading other processes
    "ptrace", "process_vm_readv", "process_vm_writev", "kcmp", "pidfd_getfd",
    # the kernel's keyrings
    "keyctl", "add_key", "request_key",
    # eBPF, performance counters, page-fault handling in user space, io_uring
    "bpf", "perf_event_open", "userfaultfd", "io_uring_setup", "io_uring_enter",
    "io_uring_register",
    # file systems and mounts
    "mount", "umount2", "pivot_root", "chroot", "move_mount", "open_tree", "fsopen",
    "fsconfig", "fsmount", "fspick", "mount_setattr", "open_by_handle_at",
    "name_to_handle_at", "quotactl", "quotactl_fd", "swapon", "swapoff",
    # namespaces of other processes
    "setns",
    # the kernel itself: modules, kexec, reboot, accounting, logs, clocks
    "init_module", "finit_module", "delete_module", "kexec_load", "kexec_file_load",
    "reboot", "acct", "syslog", "settimeofday", "clock_settime", "adjtimex",
    "clock_adjtime", "iopl", "ioperm", "vhangup", "lookup_dcookie",
)
CLONE_NEWUSER = 0x10000000

_ALLOW = 0x7FFF0000


def _errno_action(code: int) -> int:
    return 0x00050000 | code  # SCMP_ACT_ERRNO(code)


class _ArgCompare(ctypes.Structure):
    """libseccomp's ``struct scmp_arg_cmp``."""

    _fields_ = [("arg", ctypes.c_uint), ("op", ctypes.c_int),
                ("datum_a", ctypes.c_uint64), ("datum_b", ctypes.c_uint64)]


_MASKED_EQ = 7  # SCMP_CMP_MASKED_EQ


def _library() -> ctypes.CDLL:
    try:
        library = ctypes.CDLL("libseccomp.so.2", use_errno=True)
    except OSError:
        raise SandboxError("libseccomp is not installed, and every sandbox needs its seccomp "
                        "filter: install it (Debian: apt-get install libseccomp2)") from None
    library.seccomp_init.restype = ctypes.c_void_p
    library.seccomp_init.argtypes = [ctypes.c_uint32]
    library.seccomp_syscall_resolve_name.argtypes = [ctypes.c_char_p]
    library.seccomp_rule_add_array.argtypes = [ctypes.c_void_p, ctypes.c_uint32, ctypes.c_int,
                                               ctypes.c_uint, ctypes.POINTER(_ArgCompare)]
    library.seccomp_export_bpf.argtypes = [ctypes.c_void_p, ctypes.c_int]
    library.seccomp_release.argtypes = [ctypes.c_void_p]
    return library


def _check(result: int, what: str) -> None:
    if result < 0:
        raise OSError(-result, f"libseccomp: {what}: {os.strerror(-result)}")


def _compile(stream: int) -> None:
    """Write the filter's BPF program to the file descriptor ``stream``."""
    library = _library()
    context = library.seccomp_init(_ALLOW)
    if not context:
        raise OSError(errno.ENOMEM, "libseccomp: seccomp_init failed")
    try:
        def refuse(name: str, code: int, *compare: _ArgCompare) -> None:
            number = library.seccomp_syscall_resolve_name(name.encode())
            if number < 0:  # not a system call of this architecture (iopl on arm64, ...)
                return
            array = (_ArgCompare * len(compare))(*compare) if compare else None
            _check(library.seccomp_rule_add_array(context, _errno_action(code), number,
                                                  len(compare), array), name)

        for name in BLOCKED:
            refuse(name, errno.EPERM)
        # No user namespace inside, started by root or not: in one, student code would
        # hold every capability over its own mounts and network, a large kernel surface.
        new_user = _ArgCompare(0, _MASKED_EQ, CLONE_NEWUSER, CLONE_NEWUSER)
        refuse("unshare", errno.EPERM, new_user)
        refuse("clone", errno.EPERM, new_user)
        refuse("clone3", errno.ENOSYS)
        _check(library.seccomp_export_bpf(context, stream), "export")
    finally:
        library.seccomp_release(context)


@functools.cache
def _program() -> int:
    """A sealed memfd holding the compiled filter, made once per process (forks share it)."""
    stream = os.memfd_create("tito-seccomp", os.MFD_CLOEXEC | os.MFD_ALLOW_SEALING)
    _compile(stream)
    fcntl.fcntl(stream, fcntl.F_ADD_SEALS, fcntl.F_SEAL_WRITE | fcntl.F_SEAL_GROW |
                fcntl.F_SEAL_SHRINK | fcntl.F_SEAL_SEAL)
    return stream


def filter_path() -> str:
    """A path any process of this user (or root) can open to read the filter's program:
    this process's descriptor of it, seen through /proc."""
    return f"/proc/{os.getpid()}/fd/{_program()}"
