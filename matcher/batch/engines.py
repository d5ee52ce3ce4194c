"""Where batch scoring runs: worker processes on this machine, or a Dask cluster.

An engine takes a profile and a stream of ``PostingRecord`` s and yields lists of
``ScoredPosting`` s, one per chunk, as they are produced (in completion order). Both engines send
chunks of records to ``matcher.batch.scoring.score_chunk``, so their results are the same;
each worker process loads the spaCy pipeline and compiled vocabulary once and keeps
them. Only a bounded window of chunks is in flight, so memory stays flat however
many postings there are.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import ExitStack
from dataclasses import dataclass
from itertools import chain, islice
from typing import TYPE_CHECKING, Any, Protocol

from matcher.batch.records import CHUNK_SIZE, PostingRecord, chunked
from matcher.batch.scoring import ScoredPosting, score_records
from matcher.errors import MatcherError, UsageError

if TYPE_CHECKING:
    from matcher.understand.documents import Profile
    from matcher.understand.vocabulary import Vocabulary

#: Chunks in flight per worker: enough to keep every worker busy, few enough to keep
#: memory flat and to lose little work if the run is killed.
CHUNKS_PER_WORKER = 2


class Engine(Protocol):
    """Runs ``score_chunk`` over a stream of records somewhere."""

    def run(
        self,
        profile: Profile,
        records: Iterable[PostingRecord],
        *,
        vocabulary: Vocabulary | None = None,
        requirements: bool = False,
        taxonomy: str | None = None,
    ) -> Iterator[list[ScoredPosting]]: ...


def available_cores() -> int:
    """The cores this process may use (respects CPU affinity, e.g. in containers)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


# --------------------------------------------------------------------------- local

_worker: dict[str, Any] = {}


def _init_local_worker(
    profile: Profile, vocabulary: Vocabulary | None, requirements: bool, taxonomy: str | None
) -> None:
    # The parent handles Ctrl-C and stops the workers; a worker that caught it too would
    # die mid-chunk and look like a crash.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    exit_with_parent()
    from matcher.understand.documents import load_postings

    _worker.update(
        profile=profile, vocabulary=vocabulary, requirements=requirements, taxonomy=taxonomy
    )
    # Load the pipeline, vocabulary matchers and TF-IDF once, before the first chunk,
    # with every pattern in the matchers: a worker sees thousands of postings.
    warm_up = [("warm-up", "Requirements:\n- Python")]
    list(load_postings(warm_up, vocabulary=vocabulary, taxonomy=taxonomy))
    _fill_matchers(vocabulary)


#: Seconds between a worker's checks that the process that started it is alive.
PARENT_CHECK_SECONDS = 1.0


def exit_with_parent() -> None:
    """End this process soon after its parent ends, however it ends.

    A parent stopped by ``kill -9`` cannot stop its workers, and a worker in the middle
    of a chunk notices only when it sends the result: minutes of CPU spent for no one.
    A daemon thread checks every second that the parent is still there.
    """
    # The parent that started this process, even if it died while this one was starting.
    started_by = multiprocessing.parent_process()
    parent = started_by.pid if started_by is not None and started_by.pid else os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_CHECK_SECONDS)
        os._exit(1)

    threading.Thread(target=watch, name="matcher-exit-with-parent", daemon=True).start()


def _fill_matchers(vocabulary: Vocabulary | None) -> None:
    """Put every vocabulary pattern in the phrase matchers now, for a process about to
    score many postings (a second call costs nothing). Lazy filling saves a one-off
    run about a second, but checks every text's tokens against the patterns not yet
    added: a tenth of a batch's time."""
    from matcher.understand.nlp import compiled_vocabulary
    from matcher.understand.vocabulary import shipped_vocabulary

    compiled_vocabulary(vocabulary or shipped_vocabulary()).fill()


def _score_in_local_worker(records: list[PostingRecord]) -> list[ScoredPosting]:
    from matcher.batch.scoring import score_chunk

    return score_chunk(
        _worker["profile"],
        records,
        vocabulary=_worker["vocabulary"],
        requirements=_worker["requirements"],
        taxonomy=_worker["taxonomy"],
    )


@dataclass
class LocalEngine:
    """Worker processes on this machine (one per core by default).

    Fewer than ``in_process_below`` postings are scored in this process: starting a
    worker (loading spaCy) costs more than it saves on a handful of postings.
    """

    workers: int | None = None
    chunk_size: int = CHUNK_SIZE
    in_process_below: int = 48

    def run(
        self,
        profile: Profile,
        records: Iterable[PostingRecord],
        *,
        vocabulary: Vocabulary | None = None,
        requirements: bool = False,
        taxonomy: str | None = None,
    ) -> Iterator[list[ScoredPosting]]:
        n = self.workers or available_cores()
        stream = iter(records)
        head = list(islice(stream, self.in_process_below))
        if n <= 1 or len(head) < self.in_process_below:
            if len(head) >= self.in_process_below:
                _fill_matchers(vocabulary)
            yield from score_records(
                profile,
                chain(head, stream),
                vocabulary=vocabulary,
                requirements=requirements,
                chunk_size=self.chunk_size,
                taxonomy=taxonomy,
            )
            return
        yield from self._pool(
            n,
            profile,
            chain(head, stream),
            vocabulary=vocabulary,
            requirements=requirements,
            taxonomy=taxonomy,
        )

    def _pool(
        self,
        n: int,
        profile: Profile,
        records: Iterable[PostingRecord],
        *,
        vocabulary: Vocabulary | None,
        requirements: bool,
        taxonomy: str | None,
    ) -> Iterator[list[ScoredPosting]]:
        # spawn, not fork: forking a process that holds spaCy, BLAS threads and a
        # progress-bar thread can deadlock, and spawn behaves the same on every OS.
        pool = ProcessPoolExecutor(
            n,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_init_local_worker,
            initargs=(profile, vocabulary, requirements, taxonomy),
        )
        pending: set[Future[list[ScoredPosting]]] = set()
        finished = False
        try:
            for chunk in chunked(records, self.chunk_size):
                pending.add(pool.submit(_score_in_local_worker, chunk))
                if len(pending) >= CHUNKS_PER_WORKER * n:
                    done, pending = wait(pending, return_when=FIRST_COMPLETED)
                    for future in done:
                        yield future.result()
            while pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    yield future.result()
            finished = True
        except BrokenProcessPool as error:
            raise MatcherError(
                "a worker process died (out of memory?); results so far are kept: run"
                " the same command again to resume, perhaps with fewer --workers"
            ) from error
        finally:
            if finished:
                pool.shutdown(wait=True)
            else:
                _stop(pool)


def _stop(pool: ProcessPoolExecutor) -> None:
    """Stop a pool now: cancel queued chunks and end the workers mid-chunk."""
    pool.shutdown(wait=False, cancel_futures=True)
    terminate = getattr(pool, "terminate_workers", None)  # Python 3.14+
    if terminate is not None:
        terminate()
        return
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        if process.is_alive():
            process.terminate()
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        process.join(timeout=5)


# --------------------------------------------------------------------------- dask

# spaCy pipelines are not safe to call from two threads at once; a Dask worker with
# several threads takes turns on its one pipeline (start workers with --nthreads 1).
_dask_lock = threading.Lock()


def _score_on_dask_worker(
    profile: Profile,
    records: list[PostingRecord],
    vocabulary: Vocabulary | None,
    requirements: bool,
    taxonomy: str | None = None,
) -> list[ScoredPosting]:
    """The task a Dask worker runs; the pipeline is loaded on its first call and kept
    (``matcher.understand.nlp.load_pipeline`` and the compiled vocabulary are cached per
    process)."""
    from matcher.batch.scoring import score_chunk

    with _dask_lock:
        _fill_matchers(vocabulary)
        return score_chunk(
            profile, records, vocabulary=vocabulary, requirements=requirements, taxonomy=taxonomy
        )


@dataclass
class DaskEngine:
    """A Dask distributed cluster: ``scheduler`` is its address (tcp://host:8786).

    Without an address, a LocalCluster of ``workers`` processes is started for the run.
    Files are read here and their text is sent, so workers need no shared filesystem;
    they need strengths-matcher installed (same version), and any taxonomy given with
    ``taxonomy=`` imported on each of them.
    """

    scheduler: str | None = None
    workers: int | None = None
    chunk_size: int = CHUNK_SIZE
    connect_timeout: str = "15s"

    def run(
        self,
        profile: Profile,
        records: Iterable[PostingRecord],
        *,
        vocabulary: Vocabulary | None = None,
        requirements: bool = False,
        taxonomy: str | None = None,
    ) -> Iterator[list[ScoredPosting]]:
        try:
            from distributed import Client, LocalCluster, as_completed
        except ImportError as error:
            raise UsageError(
                "the dask engine needs dask.distributed; run: pip install 'strengths-matcher[dask]'"
            ) from error
        with ExitStack() as stack:
            if self.scheduler:
                try:
                    client = stack.enter_context(
                        Client(self.scheduler, timeout=self.connect_timeout)
                    )
                except (OSError, TimeoutError) as error:
                    raise MatcherError(
                        f"cannot reach the Dask scheduler at {self.scheduler} ({error});"
                        " check the address and that the scheduler is running"
                    ) from error
            else:
                import dask

                # Dask's statistical profiler samples each task's stack every 10 ms and
                # keeps the history: on this Python-heavy work it cost half again the
                # CPU of scoring, and the worker memory grew with the run.
                stack.enter_context(dask.config.set({"distributed.worker.profile.enabled": False}))
                cluster = stack.enter_context(
                    LocalCluster(
                        n_workers=self.workers or available_cores(),
                        threads_per_worker=1,
                        processes=True,
                        dashboard_address=None,
                        host="127.0.0.1",
                        # Its own shutdown chatter ("still alive after 4.0 seconds,
                        # killing") is not the user's business; errors still show.
                        silence_logs=logging.ERROR,
                    )
                )
                client = stack.enter_context(Client(cluster))
            threads = sum(client.nthreads().values()) or 1
            shared_profile = client.scatter(profile, broadcast=True)
            shared_vocabulary = (
                client.scatter(vocabulary, broadcast=True) if vocabulary is not None else None
            )
            window = as_completed()
            for chunk in chunked(records, self.chunk_size):
                window.add(
                    client.submit(
                        _score_on_dask_worker,
                        shared_profile,
                        [record.read() for record in chunk],
                        shared_vocabulary,
                        requirements,
                        taxonomy,
                        pure=False,
                    )
                )
                while window.count() >= CHUNKS_PER_WORKER * threads:
                    yield _dask_result(next(window))
            for future in window:
                yield _dask_result(future)


def _dask_result(future: Any) -> list[ScoredPosting]:
    try:
        result: list[ScoredPosting] = future.result()
    except MatcherError:
        raise
    except Exception as error:
        raise MatcherError(
            f"a Dask task failed ({error.__class__.__name__}: {error}); results so far are"
            " kept: run the same command again to resume"
        ) from error
    finally:
        future.release()
    return result


# --------------------------------------------------------------------------- registry

#: Engines by the name ``--engine`` takes.
ENGINES: dict[str, type[LocalEngine] | type[DaskEngine]] = {
    "local": LocalEngine,
    "dask": DaskEngine,
}


def get_engine(name: str, *, workers: int | None = None, scheduler: str | None = None) -> Engine:
    """The engine called ``name``, set up for ``workers`` and (dask) ``scheduler``."""
    if name not in ENGINES:
        raise UsageError(f"unknown engine {name!r}; choose one of: {', '.join(ENGINES)}")
    if workers is not None and workers < 1:
        raise UsageError("--workers must be at least 1")
    if name == "dask":
        return DaskEngine(scheduler=scheduler, workers=workers)
    if scheduler:
        raise UsageError("--scheduler only applies with --engine dask")
    return LocalEngine(workers=workers)
