"""The Sandbox of `wf-exec` as a program: the container's own filesystem and processes.

Used when the executor runs inside a real container (or any plain process): paths are
what they say, the user's command is a child process whose stdout is copied to ours
(the container's log) while its tail is kept for `outputs.result`; stderr is shared.
"""

from __future__ import annotations

import os
import selectors
import signal
import subprocess
import sys
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import BinaryIO, TextIO

from workflow_engine.ports import RunResult
from workflow_engine.terminal import terminal_argv

_CHUNK = 65536


class LocalSandbox:
    def __init__(
        self,
        base_env: Mapping[str, str],
        stdout: BinaryIO | None = None,
        log: TextIO | None = None,
    ) -> None:
        self._base_env = dict(base_env)
        self._stdout = stdout if stdout is not None else sys.stdout.buffer
        self._log = log if log is not None else sys.stderr
        self._proc: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()

    def host_path(self, path: str) -> Path:
        return Path(path)

    def host_root(self, path: str) -> tuple[Path, str] | None:
        return None  # the container's own file system: its links are its own business

    def log(self, line: str) -> None:
        self._log.write(line + "\n")
        self._log.flush()

    def run(
        self,
        argv: Sequence[str],
        env: Mapping[str, str],
        cwd: str | None = None,
        stdout_limit: int = 0,
        capture: Path | None = None,
    ) -> RunResult:
        if os.isatty(0):  # the container has a terminal (`tty: true`): as Argo's emissary
            argv = terminal_argv(argv)
        try:
            proc = subprocess.Popen(
                list(argv),
                env={**self._base_env, **env},
                cwd=cwd,
                # as Argo's emissary (a Go exec.Cmd without Stdin): the command reads an
                # empty stdin, whatever the container's `stdin`/`stdinOnce` say
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE if capture is not None else None,
            )
        except FileNotFoundError:
            self.log(f"wf-exec: {argv[0]}: command not found")
            return RunResult(exit_code=127, stdout=b"")
        except PermissionError:
            self.log(f"wf-exec: {argv[0]}: permission denied")
            return RunResult(exit_code=126, stdout=b"")
        with self._lock:
            self._proc = proc
        if capture is None:
            tail, truncated = self._pump(proc, stdout_limit)
        else:
            with open(capture, "ab") as copy:
                tail, truncated = self._pump_both(proc, stdout_limit, copy)
        code = proc.wait()
        with self._lock:
            self._proc = None
        return RunResult(
            exit_code=128 - code if code < 0 else code,
            stdout=bytes(tail),
            stdout_truncated=truncated,
        )

    def forward(self, signum: int) -> None:
        """Pass a signal we received (SIGTERM at pod deletion) on to the user's process."""
        with self._lock:
            if self._proc is not None and self._proc.poll() is None:
                self._proc.send_signal(signum)

    def _pump(self, proc: subprocess.Popen[bytes], limit: int) -> tuple[bytearray, bool]:
        assert proc.stdout is not None
        tail = bytearray()
        truncated = False
        fd = proc.stdout.fileno()
        while data := os.read(fd, _CHUNK):
            self._stdout.write(data)
            self._stdout.flush()
            if limit > 0:
                tail += data
                if len(tail) > limit:
                    del tail[:-limit]
                    truncated = True
        proc.stdout.close()
        return tail, truncated

    def _pump_both(
        self, proc: subprocess.Popen[bytes], limit: int, copy: BinaryIO
    ) -> tuple[bytearray, bool]:
        """As `_pump`, with stderr piped too (to our stderr), both copied to `copy`."""
        assert proc.stdout is not None and proc.stderr is not None
        tail = bytearray()
        truncated = False
        outputs = {proc.stdout.fileno(): self._stdout, proc.stderr.fileno(): sys.stderr.buffer}
        with selectors.DefaultSelector() as sel:
            for fd in outputs:
                sel.register(fd, selectors.EVENT_READ)
            while outputs:
                for key, _ in sel.select():
                    data = os.read(key.fd, _CHUNK)
                    if not data:
                        sel.unregister(key.fd)
                        outputs.pop(key.fd)
                        continue
                    outputs[key.fd].write(data)
                    outputs[key.fd].flush()
                    copy.write(data)
                    if key.fd == proc.stdout.fileno() and limit > 0:
                        tail += data
                        if len(tail) > limit:
                            del tail[:-limit]
                            truncated = True
        proc.stdout.close()
        proc.stderr.close()
        return tail, truncated


FORWARDED_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
