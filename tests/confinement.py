"""What every sandbox must hold, probed from inside: the code below runs in a grading
sandbox (tests/grading/test_sandbox.py) and in a lab's kernel (tests/hub/test_limits.py)
and prints one JSON line of facts; :func:`assert_confined` checks them."""

from __future__ import annotations

import ctypes
import errno
import json

from sandbox.seccomp import BLOCKED


def syscall_numbers() -> dict[str, int]:
    """The blocked system calls' numbers on this machine (resolved outside the sandbox)."""
    library = ctypes.CDLL("libseccomp.so.2")
    library.seccomp_syscall_resolve_name.argtypes = [ctypes.c_char_p]
    numbers = {name: library.seccomp_syscall_resolve_name(name.encode()) for name in BLOCKED}
    return {name: number for name, number in numbers.items() if number >= 0}


# Arguments are invalid on purpose: without the filter most of these calls fail otherwise
# (EINVAL, EFAULT, EBADF, ESRCH, ENOSYS), so EPERM is the filter's. Run as a plain uid,
# none of them could do anything.
PROBE = """
import ctypes, json, os, subprocess, threading
libc = ctypes.CDLL(None, use_errno=True)
def fails(number, *args):
    args = [ctypes.c_long(a) for a in (args or (-1,) * 6)]
    if libc.syscall(ctypes.c_long(number), *args) >= 0:
        return "succeeded"
    return ctypes.get_errno()
facts = {"status": {key: value.strip() for key, value in
                    (line.split(":", 1) for line in open("/proc/self/status"))
                    if key.startswith(("Cap", "NoNewPrivs", "Seccomp"))}}
facts["calls"] = {name: fails(number, *((16, 999999, 0, 0, 0, 0) if name == "ptrace" else ()))
                  for name, number in NUMBERS.items()}
facts["unshare user"] = (libc.unshare(0x10000000), ctypes.get_errno())
facts["unshare -U"] = subprocess.run(["unshare", "-U", "true"],
                                     capture_output=True).returncode
facts["clone3"] = fails(NUMBERS_CLONE3)
thread = threading.Thread(target=lambda: facts.setdefault("thread", "ran"))
thread.start()
thread.join()
facts["child"] = subprocess.run(["true"]).returncode
print(json.dumps(facts))
"""


def probe_code() -> str:
    """The probe, with this machine's system call numbers filled in."""
    numbers = syscall_numbers()
    clone3 = ctypes.CDLL("libseccomp.so.2").seccomp_syscall_resolve_name(b"clone3")
    return f"NUMBERS = {numbers!r}\nNUMBERS_CLONE3 = {clone3}\n{PROBE}"


def assert_confined(output: str) -> None:
    """No capability, now or ever; the filter loaded; every blocked call EPERM; no user
    namespace; clone3 ENOSYS (glibc falls back to clone); threads and children work."""
    facts = json.loads(output)
    status = facts["status"]
    assert {key: status[key] for key in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb")} == {
        key: "0000000000000000" for key in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb")}
    assert status["NoNewPrivs"] == "1" and status["Seccomp"] == "2", status
    assert facts["calls"] == {name: errno.EPERM for name in syscall_numbers()}
    assert facts["unshare user"] == [-1, errno.EPERM]
    assert facts["unshare -U"] != 0
    assert facts["clone3"] == errno.ENOSYS
    assert facts["thread"] == "ran" and facts["child"] == 0


def memory_hogs_code(children: int, mib: int) -> str:
    """Python that forks ``children`` processes of ``mib`` MiB each and prints how many were
    killed by a signal. Each holds its block until every one that survives has allocated (a
    pipe each way), so that they are in memory at the same time however the machine
    schedules them: a limit on all of a sandbox's processes together kills some."""
    return f"""
import os, select
ready_read, ready_write = os.pipe()
go_read, go_write = os.pipe()
children = []
for _ in range({children}):
    pid = os.fork()
    if pid == 0:
        try:  # a child must never return into its parent's code (a kernel, say)
            os.close(ready_read)
            os.close(go_write)
            block = b"x" * ({mib} * 2**20)
            os.write(ready_write, b"1")
            os.read(go_read, 1)
        finally:
            os._exit(0)
    children.append(pid)
os.close(ready_write)
os.close(go_read)
allocated = 0
# A killed child never reports: once none has reported for 5 s, the rest are in memory.
while allocated < len(children) and select.select([ready_read], [], [], 5)[0]:
    chunk = os.read(ready_read, len(children))
    if not chunk:  # every child is gone
        break
    allocated += len(chunk)
os.close(go_write)
statuses = [os.waitpid(pid, 0)[1] for pid in children]
print(sum(os.WIFSIGNALED(status) for status in statuses))
"""
