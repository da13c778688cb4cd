"""How many pictures one server process decodes at once, and how long an upload waits its turn.

A picture at the pixel limit takes some 100 MB while it is decoded; a class uploading photos
at the same moment would otherwise decode them all together (the default thread pool runs
cores + 4 at once) and the process would grow past a gigabyte. So decoding gets a few threads
of its own, and an upload that cannot get one within the wait is answered with a 503 and a
sentence instead of queueing without end. After each picture the C allocator is asked to
hand freed memory back to the system, so a burst does not leave the process large.
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import functools
import platform
import weakref
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable

BUSY = "The server is busy preparing other pictures: try again in a moment."


class Busy(Exception):
    """No decoding slot came free within the wait."""


def _malloc_trim() -> Callable[[], None]:
    """glibc's malloc_trim(0): give the free pages of every arena back to the system.

    Without it glibc keeps the memory a decode freed (each thread has its own arena), and
    after a burst of uploads the process stays at its peak. Elsewhere there is nothing to call.
    """
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return lambda: None
    try:
        trim = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return lambda: None
    trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int
    return lambda: trim(0)


release_free_memory = _malloc_trim()


class DecodeGate:
    """At most `slots` decodes at once, on threads of their own; others wait up to `wait_s`."""

    def __init__(self, slots: int, wait_s: float):
        self.slots, self.wait_s = slots, wait_s
        self._free = asyncio.Semaphore(slots)
        self._pool = ThreadPoolExecutor(max_workers=slots, thread_name_prefix="decode")

    async def run(self, fn: Callable[..., Any], *args: Any) -> Any:
        """fn(*args) on a decoding thread; raises Busy when no slot comes free in time."""
        try:
            async with asyncio.timeout(self.wait_s):
                await self._free.acquire()
        except TimeoutError:
            raise Busy from None
        try:
            future = asyncio.get_running_loop().run_in_executor(self._pool, functools.partial(_then_trim, fn, *args))
        except BaseException:
            self._free.release()
            raise
        # The slot is freed when the decode has really finished: a request cancelled while it
        # waits (the student closed the page) must not let another decode start beside it.
        future.add_done_callback(lambda _: self._free.release())
        return await asyncio.shield(future)


def _then_trim(fn: Callable[..., Any], *args: Any) -> Any:
    try:
        return fn(*args)
    finally:
        release_free_memory()


# One gate per event loop: a server process has one loop; each test client has its own.
_gates: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, DecodeGate] = weakref.WeakKeyDictionary()


def gate_for(slots: int, wait_s: float) -> DecodeGate:
    loop = asyncio.get_running_loop()
    gate = _gates.get(loop)
    if gate is None or (gate.slots, gate.wait_s) != (slots, wait_s):
        gate = _gates[loop] = DecodeGate(slots, wait_s)
    return gate
