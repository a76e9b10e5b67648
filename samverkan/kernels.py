"""Warm kernels: the notebook stages' Jupyter kernels (and the stages' own commands) forked
from a process that has imported their libraries once, while `samverkan repro` builds.

Every notebook stage starts a fresh kernel (a new Python that imports IPython, ipykernel,
pandas, matplotlib and the package) before its first cell does any work: about 2 s of CPU
of each of a demo build's 14 notebook stages, a third of a report stage. During a build,
``serve`` imports those modules once and waits on a Unix socket; a stage's kernel is then
started as ``python -m samverkan.kernels SOCKET -- <the kernel's own command>``: this
small launcher hands the server its command, working folder, environment and terminal
(the file descriptors), the server forks, and the child runs ipykernel as
``python -m ipykernel_launcher -f FILE`` would. Only the imports (and the package's own
word lists, ``WARM_UP``) are shared: the child starts no kernel state of the server's, has
the stage's environment and folder, and is a process of its own (the ingest kernel's
personal data never reaches the server).

The stages' commands (`samverkan run-notebook`, `publish`, `coding-sheet`, `export-qda`:
papermill, nbconvert, WeasyPrint, pandas, about 1 s of imports each) are served the same
way by a second server with those imports (``serve-commands``): `samverkan` hands its
arguments over at once (samverkan.launch, before it imports the CLI) and stands in for the
child.

The launcher stays the kernel's process for Jupyter: it passes signals on (interrupt,
terminate) and exits with the kernel's status; when it is killed, the server kills the
kernel. Whenever the server is not there or cannot serve the stage exactly as a fresh
kernel would (another Python, PYTHONPATH or MPLBACKEND, another kernel command), the
launcher runs the kernel's own command instead, so results never depend on the server.
The socket lies in a private folder (0700) and the server serves only its own user.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import logging
import os
import select
import signal
import socket
import struct
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

# What the stage notebooks import (their first cells) and the kernel itself; a module that
# fails to import is left to the kernel, which reports it as the stage's error.
PRELOAD = (
    "IPython",
    "IPython.display",
    "ipykernel.kernelapp",
    "ipykernel.ipkernel",
    "pandas",
    "pyarrow.parquet",  # pandas imports it on a stage's first read or write of parquet
    "matplotlib.pyplot",
    "samverkan.project.paths",
    "samverkan.project.settings",
    "samverkan.project.terms",
    "samverkan.ingest.stage",
    "samverkan.coding.code",
    "samverkan.privacy.disclosure",
    "samverkan.privacy.linked",
    "samverkan.report.charts",
    "samverkan.report.fmt",
    "samverkan.report.narrative",
    "samverkan.report.provenance",
    "samverkan.report.stats",
    "samverkan.report.tables",
)
# What the stages' own commands import (`samverkan run-notebook`, `publish`, `coding-sheet`,
# `export-qda`): served by a second server, since they run with imports a kernel never has.
CLI_PRELOAD = (
    "samverkan.cli",
    "samverkan.runner",
    "nbformat",
    "traitlets.config",
    "jupyter_client.manager",
    "nbclient",
    "nbconvert",
    "weasyprint",
    "pikepdf",
    "fontTools.subset",
    "babel.dates",
    "matplotlib",  # publishing finds the report fonts in its data folder
    "pyarrow.parquet",  # the sheet and export commands read the cases
    "samverkan.project.settings",
    "samverkan.report.publish",
    "samverkan.coding.code",
    "samverkan.coding.codebook",
    "samverkan.coding.refiqda",
)
# Read-only data the stages load on first use, loaded once in both servers: the
# de-identification's word lists and simplemma's Swedish dictionary (about 1 s in each
# fresh process: the ingest and coding kernels, the sheet and publishing commands). Only
# the package's own files: the same in every process, and nothing of a project's data.
WARM_UP = ("samverkan.privacy.redaction:warm_up",)
ENV = "SAMVERKAN_WARM_KERNELS"  # the kernel server's socket, for the stages of one build
CLI_ENV = "SAMVERKAN_WARM_COMMANDS"  # the command server's socket
# The environment that decides what a fresh kernel imports and how: it must match.
SAME_ENV = (
    "PYTHONPATH",
    "PYTHONHASHSEED",
    "PYTHONNOUSERSITE",
    "MPLBACKEND",
    "MPLCONFIGDIR",
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
)
_LEN = struct.Struct("!I")
_FORWARDED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1)


def kernel_command(socket_path: str, command: list[str]) -> list[str]:
    """The kernel's command, started through the warm server at ``socket_path``."""
    return [sys.executable, "-m", "samverkan.kernels", socket_path, "--", *command]


def kernel_args(command: list[str]) -> list[str] | None:
    """The arguments of ipykernel's launcher in a kernel command of this Python
    (``python [-X…] -m ipykernel_launcher ARGS``), or None for any other command."""
    if not command or os.path.realpath(command[0]) != os.path.realpath(sys.executable):
        return None
    rest = command[1:]
    while rest and rest[0].startswith("-X"):
        rest = rest[1:]
    if rest[:2] != ["-m", "ipykernel_launcher"]:
        return None
    return rest[2:]


def _send(sock: socket.socket, data: dict, fds: list[int] | None = None) -> None:
    raw = json.dumps(data).encode("utf-8")
    socket.send_fds(sock, [_LEN.pack(len(raw))], fds or [])
    sock.sendall(raw)


def _receive(sock: socket.socket) -> tuple[dict, list[int]]:
    head, fds, _, _ = socket.recv_fds(sock, _LEN.size, 8)
    if len(head) < _LEN.size:
        head += sock.recv(_LEN.size - len(head), socket.MSG_WAITALL)
    (size,) = _LEN.unpack(head)
    raw = sock.recv(size, socket.MSG_WAITALL) if size else b""
    if len(raw) != size:
        raise ConnectionError("incomplete request")
    return json.loads(raw), fds


# --- the launcher (the kernel's process as Jupyter sees it) -------------------------


def _ask(socket_path: str, request: dict) -> tuple[socket.socket, int] | None:
    """Hand the server a request and this terminal; its child's pid, or None."""
    try:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.connect(socket_path)
        _send(sock, {**request, "cwd": os.getcwd(), "env": dict(os.environ)}, [0, 1, 2])
        answer, _ = _receive(sock)
    except (OSError, ValueError):
        return None
    pid = answer.get("pid")
    return (sock, pid) if isinstance(pid, int) else None


def _wait(sock: socket.socket, pid: int) -> int:
    """Be the served process's stand-in: pass signals on, end with its exit status, and
    end it when this process's parent goes (as a kernel of a killed run ends)."""
    for signum in _FORWARDED:
        signal.signal(signum, lambda s, _f: _pass_on(pid, s))
    parent = os.getppid()
    sock.settimeout(1.0)
    while True:
        try:
            result, _ = _receive(sock)
            return int(result.get("exit", 1))
        except TimeoutError:
            if os.getppid() != parent:
                _pass_on(pid, signal.SIGKILL)
                return 1
        except (OSError, ValueError):
            return 1


def launch(socket_path: str, command: list[str]) -> int:
    """Run the kernel through the server, or, when it cannot serve, as ``command``."""
    served = _ask(socket_path, {"command": command})
    if served is None:
        os.execv(command[0], command)  # not served: the kernel's own command
    return _wait(*served)


def run_command(socket_path: str, args: list[str]) -> int | None:
    """Run ``samverkan ARGS`` in a child of the command server; None when not served."""
    served = _ask(socket_path, {"cli": args})
    return None if served is None else _wait(*served)


def _pass_on(pid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signum)


# --- the server -----------------------------------------------------------------------


# The server's own environment as it started, before ``preload`` changed it.
_STARTED_WITH: dict[str, str | None] = {}


def preload(modules: tuple[str, ...] = PRELOAD) -> list[str]:
    """Import ``modules``, as a fresh kernel (or command) would, and load ``WARM_UP``;
    return what failed."""
    _STARTED_WITH.update({key: os.environ.get(key) for key in SAME_ENV})
    if modules is PRELOAD:
        # a fresh kernel sets this before any import (ipykernel's kernelapp): so do we
        os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    else:  # a command starts so (samverkan.cli.run_app)
        from samverkan.runner import import_papermill, import_weasyprint, skip_unused_slow_imports

        skip_unused_slow_imports()
        import_papermill()
        with contextlib.suppress(Exception):  # a failure is left to the stage
            import_weasyprint()
    failed = []
    for name in modules:
        try:
            importlib.import_module(name)
        except Exception:
            failed.append(name)
    for target in WARM_UP:  # a failure is left to the stage, which loads it itself
        module, function = target.split(":")
        try:
            getattr(importlib.import_module(module), function)()
        except Exception:
            failed.append(target)
    return failed


def _servable(request: dict, cli: bool = False) -> list[str] | None:
    """The kernel's (or command's) arguments when the server can start it as a fresh
    process would."""
    env = request.get("env", {})
    if any(env.get(key) != _STARTED_WITH.get(key) for key in SAME_ENV):
        return None
    if cli:
        args = request.get("cli")
        return args if isinstance(args, list) and all(isinstance(a, str) for a in args) else None
    return kernel_args(request.get("command") or [])


def _child(open_sockets: list[socket.socket], request: dict, fds: list[int], cli: bool) -> None:
    """In the forked child: become the kernel, as ``python -m ipykernel_launcher`` does
    (or the command, as ``samverkan ARGS`` does)."""
    code = 1
    try:
        for sock in open_sockets:  # the server's: the listener and the launchers'
            sock.close()
        for signum in (*_FORWARDED, signal.SIGCHLD):  # as a fresh Python has them
            signal.signal(signum, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        for target, fd in zip((0, 1, 2), fds, strict=False):
            os.dup2(fd, target)
            os.close(fd)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        sys.path[0] = os.getcwd()  # `python -m` puts the working folder first
        code = _run_command(request["cli"]) if cli else _run_kernel(request)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:  # reported on the process's own stderr
        import traceback

        traceback.print_exc()
    finally:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        os._exit(code)


class _ShutdownInterrupt(logging.Filter):
    """Drops ipykernel's "KeyboardInterrupt caught in kernel" record. jupyter_client
    interrupts every kernel before it shuts it down; a kernel that is still answering a
    message then logs this as an ERROR on the build's terminal, though nothing went wrong
    (the notebook had run to its end). Every other record of the kernel is kept."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("KeyboardInterrupt caught in kernel")


def _run_kernel(request: dict) -> int:
    args = [*(kernel_args(request["command"]) or []), *_read_at_import(request["env"])]
    sys.argv = [request["command"][0], *args]
    logging.getLogger("IPKernelApp").addFilter(_ShutdownInterrupt())  # traitlets' app logger
    from ipykernel import kernelapp

    kernelapp.launch_new_instance(argv=args)
    return 0


def _run_command(args: list[str]) -> int:
    os.environ.pop(CLI_ENV, None)  # served once: a command it starts runs on its own
    sys.argv = ["samverkan", *args]
    from samverkan.cli import run_app

    run_app()
    return 0


def _read_at_import(env: dict[str, str]) -> list[str]:
    """What ipykernel's kernel app reads from the environment when it is imported (the
    server's, not the stage's): given as settings of the stage's own values."""
    return [
        f"--IPKernelApp.parent_handle={int(env.get('JPY_PARENT_PID') or 0)}",
        f"--IPKernelApp.interrupt={int(env.get('JPY_INTERRUPT_EVENT') or 0)}",
    ]


def _accept(listener: socket.socket, children: dict[int, socket.socket], cli: bool) -> None:
    conn, _ = listener.accept()
    creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    _, uid, _ = struct.unpack("3i", creds)
    conn.settimeout(10)
    fds: list[int] = []
    try:
        request, fds = _receive(conn) if uid == os.getuid() else ({}, [])
        if _servable(request, cli) is None or len(fds) != 3:
            _send(conn, {"pid": None})
            conn.close()
            return
        conn.settimeout(None)
        pid = os.fork()
        if pid == 0:
            _child([listener, conn, *children.values()], request, fds, cli)
        _send(conn, {"pid": pid})
        children[pid] = conn
    except (OSError, ValueError):
        conn.close()
    finally:
        for fd in fds:
            with contextlib.suppress(OSError):
                os.close(fd)


def _reap(children: dict[int, socket.socket]) -> None:
    """Tell each launcher whose kernel ended its exit status."""
    while children:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        conn = children.pop(pid, None)
        if conn is not None:
            with contextlib.suppress(OSError):
                _send(conn, {"exit": os.waitstatus_to_exitcode(status)})
            conn.close()


def serve(socket_path: str, cli: bool = False) -> None:
    """Preload, then fork kernels for the launchers that ask, until terminated. The socket
    is there from the start: launchers that come during the imports wait for them."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the stages; repro ends us
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(socket_path)
    listener.listen(16)
    preload(CLI_PRELOAD if cli else PRELOAD)
    children: dict[int, socket.socket] = {}
    try:
        while True:
            by_conn = {conn: pid for pid, conn in children.items()}
            ready, _, _ = select.select([listener, *by_conn], [], [], 0.1)
            for item in ready:
                if item is listener:
                    _accept(listener, children, cli)
                elif item.recv(1, socket.MSG_PEEK) == b"":  # the launcher was killed
                    _pass_on(by_conn[item], signal.SIGKILL)
            _reap(children)
    finally:
        for pid in children:
            _pass_on(pid, signal.SIGKILL)


@contextlib.contextmanager
def warm_kernels(folder: Path, root: Path, timeout: float = 10.0) -> Iterator[dict[str, str]]:
    """Run the kernel and command servers in ``folder`` (a private one) while the block
    runs, from the project's ``root`` as the stages are; yields the environment variables
    that send the stages to them. A server not ready in ``timeout`` seconds is not named:
    the stages then start the ordinary way."""
    sockets = {ENV: folder / "kernels.sock", CLI_ENV: folder / "commands.sock"}
    servers = [
        subprocess.Popen([sys.executable, "-m", "samverkan.kernels", kind, str(path)], cwd=root)
        for kind, path in (("serve", sockets[ENV]), ("serve-commands", sockets[CLI_ENV]))
    ]
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not all(p.exists() for p in sockets.values()):
            if any(server.poll() is not None for server in servers):
                break
            time.sleep(0.05)
        yield {name: str(path) for name, path in sockets.items() if path.exists()}
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            try:
                server.wait(10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def main(argv: list[str]) -> int:
    if len(argv) == 2 and argv[0] in ("serve", "serve-commands"):
        serve(argv[1], cli=argv[0] == "serve-commands")
        return 0
    if len(argv) >= 3 and argv[1] == "--":
        return launch(argv[0], argv[2:])
    usage = (
        "användning: python -m samverkan.kernels serve|serve-commands SOCKET | SOCKET -- KOMMANDO"
    )
    print(usage, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
