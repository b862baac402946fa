"""Every Toloka request the kit makes, retried safely, with bounded waits and no token in errors.

toloka-kit retries POSTs on 5xx by itself; a pool create whose reply was lost
would then make a second pool. The kit therefore turns the client's retries
off and retries here, knowing what each call does:

* a **create** is retried only after looking the object up again by its key
  (the run's private name): a POST that reached Toloka is found, not repeated;
* task uploads carry an operation id, so a repeated POST is answered with
  the first operation (``OPERATION_ALREADY_EXISTS``), never a second batch;
* reads, opens, closes and overlap patches are idempotent and simply repeat;
* 429 and 5xx replies and network errors back off on the backend's clock,
  a bounded number of times;
* operations (opening a pool, uploading tasks) are polled until they finish,
  fail (the error names the operation) or ``op_timeout_s`` passes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from .backend import BackendError, Clock
from .secrets import Secret

logger = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
BALANCE_HELP = (
    "the Toloka account's balance is too low for this launch: top it up (Toloka "
    "web interface, Profile > Balance), check `tutorial-lib crowd plan` for the "
    "cost, then rerun; nothing already bought is bought again"
)


class TolokaError(BackendError):
    """A Toloka call failed or was refused; the message names the call, never the token."""


class TolokaCalls:
    """Runs client calls with retries on a clock; one instance per backend.

    Args:
        token: The secret, only to scrub it from any message.
        clock: Sleeps between retries and while polling operations.
        attempts: Tries per call (the first included).
        op_timeout_s: Longest wait for one operation.
    """

    def __init__(
        self, token: Secret, clock: Clock, attempts: int = 5, op_timeout_s: float = 600.0
    ) -> None:
        self._token = token
        self.clock = clock
        self.attempts = max(int(attempts), 1)
        self.op_timeout_s = float(op_timeout_s)
        self.retried = 0  # how many retries this backend made (tests and logs read it)

    def _failure(self, what: str, err: Exception) -> tuple[str, bool]:
        """The message for a failure and whether retrying it is safe."""
        from toloka.client.exceptions import ApiError

        if isinstance(err, ApiError):
            if err.code == "NOT_ENOUGH_BALANCE":
                return f"Toloka {what} refused: {BALANCE_HELP}", False
            status = err.status_code or 0
            return (
                f"Toloka {what} failed ({status} {err.code}): {err.message}",
                status in RETRY_STATUSES,
            )
        import httpx

        retry = isinstance(err, (httpx.TransportError, TimeoutError))
        return f"Toloka {what} failed: {type(err).__name__}: {err}", retry

    def call(self, what: str, fn: Callable, *args, lookup: Callable | None = None, **kwargs):
        """``fn(*args, **kwargs)``, retried on 408/429/5xx and network errors.

        Waits 1, 2, 4, ... s (at most 30 s) on the clock between tries. A refusal
        that retrying cannot fix (another 4xx, a low balance) fails at once.

        Args:
            what: Names the call in logs and errors.
            fn: The client method.
            *args: Positional arguments for ``fn``.
            lookup: For creates: returns the object if an earlier attempt made
                it (searched by its key), else ``None``; run before each retry.
            **kwargs: Keyword arguments for ``fn``.

        Returns:
            What ``fn`` returned, or what ``lookup`` found after a lost reply.

        Raises:
            TolokaError: The call failed for good: not retryable, or still failing
                after ``attempts`` tries (message without the token).
        """
        attempt = 0
        while True:
            if attempt and lookup is not None:
                found = lookup()
                if found is not None:
                    logger.info("Toloka %s: an earlier attempt went through; using it", what)
                    return found
            try:
                return fn(*args, **kwargs)
            except Exception as err:  # noqa: BLE001  (ApiError, network, malformed replies)
                message, retry = self._failure(what, err)
            if not retry or attempt == self.attempts - 1:
                raise TolokaError(self._token.scrub(message)) from None
            self.retried += 1
            delay = min(2.0**attempt, 30.0)
            logger.warning(
                "%s; retry %d of %d in %.0f s",
                self._token.scrub(message),
                attempt + 1,
                self.attempts - 1,
                delay,
            )
            self.clock.sleep(delay)
            attempt += 1

    def wait_operation(self, client, op, what: str):
        """Poll an operation (opening a pool, uploading tasks) until it finishes.

        Args:
            client: the ``TolokaClient`` to poll with.
            op: the operation a call returned; ``None`` (Toloka's 204, nothing to do)
                is returned as is.
            what: names the call in errors.

        Returns:
            The finished operation, or ``None`` when ``op`` was ``None``.

        Raises:
            TolokaError: if the operation ends in any state but ``SUCCESS``, or is still
                running after ``op_timeout_s`` (a rerun resumes it).
        """
        if op is None:  # Toloka answers 204 (no operation) when there is nothing to do
            return None
        start = self.clock.monotonic()
        while not op.is_completed():
            if self.clock.monotonic() - start > self.op_timeout_s:
                raise TolokaError(
                    f"Toloka {what}: operation {op.id} still {op.status} after "
                    f"{self.op_timeout_s:.0f} s; rerun to continue (it resumes)"
                )
            self.clock.sleep(1.0)
            op = self.call(f"{what} (operation {op.id})", client.get_operation, op.id)
        status = getattr(op.status, "value", op.status)
        if status != "SUCCESS":
            details = getattr(op, "details", None)
            raise TolokaError(
                f"Toloka {what}: operation {op.id} ended {status}"
                + (f" ({details})" if details else "")
            )
        return op
