"""One beat per installation: the beat's scheduler holds a lock, and a second beat started by mistake stops.

``celery -A portal beat -S portal.ops.beat:LockedScheduler`` (what ``bin/start beat`` runs). With ``REDIS_URL``
the lock is a Redis key holding the beat's host, pid and a random token, set only if absent and renewed on every
tick (it expires ``LOTFLOW_BEAT_LOCK_SECONDS`` after the last renewal, so a beat killed with SIGKILL frees it by
then; a clean stop deletes it at once). A Redis restarted without its data loses the key: the running beat sets it
again at its next tick. Without Redis (the filesystem broker, one machine) it is an exclusive ``flock`` on
``var/celerybeat.lock``, which the kernel frees when the process ends.

The tasks beat sends are safe to run twice all the same (workers/tasks.py): the lock keeps the schedule from
being doubled, the tables keep a doubled message from doing anything twice.
"""

import fcntl
import functools
import logging
import os
import socket
import sys
import time
import uuid
from pathlib import Path
from typing import IO, Any

from celery.beat import PersistentScheduler
from django.conf import settings
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

KEY = "lotflow:beat"
# Set the key if nobody holds it, extend it if we do; answer who holds it otherwise.
_CLAIM = """
local holder = redis.call('GET', KEYS[1])
if holder == false then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return ARGV[1]
end
if holder == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return holder
"""
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


class BeatLockHeld(Exception):
    """Another beat holds the lock: ``holder`` says which (host, pid)."""

    def __init__(self, holder: str) -> None:
        super().__init__(holder)
        self.holder = holder


def lock_seconds() -> int:
    return max(10, int(os.environ.get("LOTFLOW_BEAT_LOCK_SECONDS", "120")))


class RedisBeatLock:
    def __init__(self, url: str, seconds: int) -> None:
        import redis

        self.client = redis.Redis.from_url(url, socket_connect_timeout=5, socket_timeout=5)
        self.token = f"{socket.gethostname()} pid {os.getpid()} {uuid.uuid4().hex[:8]}"
        self.milliseconds = seconds * 1000

    def claim(self) -> None:
        """Take or extend the lock; BeatLockHeld when another beat has it."""
        holder = self.client.eval(_CLAIM, 1, KEY, self.token, self.milliseconds)
        holder = holder.decode() if isinstance(holder, bytes) else str(holder)
        if holder != self.token:
            raise BeatLockHeld(holder)

    def release(self) -> None:
        self.client.eval(_RELEASE, 1, KEY, self.token)
        self.client.close()


class FileBeatLock:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.file: IO[str] | None = None

    def claim(self) -> None:
        if self.file is not None:
            return  # held until the process ends
        path_file = self.path.open("a+")
        try:
            fcntl.flock(path_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            path_file.seek(0)
            holder = path_file.read().strip() or str(self.path)
            path_file.close()
            raise BeatLockHeld(holder) from None
        path_file.truncate(0)
        path_file.write(f"{socket.gethostname()} pid {os.getpid()}\n")
        path_file.flush()
        self.file = path_file

    def release(self) -> None:
        if self.file is not None:
            self.file.close()  # closing the descriptor frees the flock
            self.file = None


@functools.cache
def beat_lock() -> RedisBeatLock | FileBeatLock:
    """This process's lock (one per process: `celery beat` makes a second scheduler to print its banner)."""
    url = getattr(settings, "REDIS_URL", None)
    if url:
        return RedisBeatLock(url, lock_seconds())
    return FileBeatLock(Path(settings.VAR_DIR) / "celerybeat.lock")


class LockedScheduler(PersistentScheduler):
    """Celery's persistent scheduler, run only by the beat that holds the lock."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.lock = beat_lock()
        self.renewed = 0.0
        self.claim_or_stop()
        # Wake at least four times per lock period, so the lock is renewed long before it expires.
        asked = kwargs.get("max_interval")
        kwargs["max_interval"] = min(float(asked), lock_seconds() / 4) if asked else lock_seconds() / 4
        super().__init__(*args, **kwargs)

    def claim_or_stop(self) -> None:
        try:
            self.lock.claim()
        except BeatLockHeld as held:
            sys.stderr.write(
                _(
                    "Another beat is already running (%(holder)s); only one may run per installation, so this one "
                    "stops. Start more workers to do more work, never a second beat."
                )
                % {"holder": held.holder}
                + "\n"
            )
            raise SystemExit(1) from None
        self.renewed = time.monotonic()

    def tick(self, *args: Any, **kwargs: Any) -> float:
        if time.monotonic() - self.renewed >= lock_seconds() / 4:
            try:
                self.lock.claim()
                self.renewed = time.monotonic()
            except BeatLockHeld as held:
                # Our lock expired (Redis unreachable longer than its period) and another beat took over.
                logger.critical("beat lock taken over by %s; this beat stops", held.holder)
                raise RuntimeError(f"beat lock taken over by {held.holder}") from None
            except Exception:  # Redis away for a moment: keep beating, renew at the next tick
                logger.warning("beat lock not renewed (Redis unreachable); trying at the next tick", exc_info=True)
        return float(super().tick(*args, **kwargs))

    def close(self) -> None:
        try:
            super().close()
        finally:
            try:
                self.lock.release()
            except Exception:  # it expires by itself
                logger.warning("beat lock not released; it expires by itself", exc_info=True)
