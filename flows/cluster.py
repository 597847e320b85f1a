"""The run's task runner: one thread of the flow's process for a small run, else a Dask cluster: the one at
``dask_address``, or a LocalCluster of ``workers`` processes that the run starts in the background.

Starting a LocalCluster costs about 10 s on two cores (two worker processes import the pipeline and load a
spaCy model each).  The run does not wait for it: the cluster starts in a thread once fetch has made its
parts, clean works in the flow's process until the workers are up, and extract (the stage the workers are
for) waits for them.  Stages whose parts are light run in the flow's process anyway (flows.pipeline.LIGHT).  The workers load the model of
unknown-language text (English, by default) as soon as they are up, so that is off the critical path too.
"""
from __future__ import annotations

import threading

from prefect.task_runners import ThreadPoolTaskRunner

from newsloom.config import Config


def prefect_api_url() -> str | None:
    """The API this process talks to: PREFECT_API_URL, or the temporary local server it started."""
    from prefect.settings import PREFECT_API_URL

    if url := PREFECT_API_URL.value():
        return url
    from prefect.server.api.server import SubprocessASGIServer

    server = SubprocessASGIServer()
    return server.api_url if server.running else None


def start_local_api() -> threading.Thread | None:
    """Start Prefect's temporary local API server in the background where a run needs one (no API URL set,
    ephemeral mode on); return the thread that waits for it to answer, which the caller joins before its
    flow call.  That call would start the server itself, but only after this process has imported the
    pipeline (about 3 s on one core).  Started first, the server's start-up (5-7 s, and 12-14 s the first
    time, when it creates its database) runs beside those imports on the other core.  A server that fails
    to start is left to the flow call, which starts it again and reports what went wrong."""
    from prefect.settings import PREFECT_API_URL, PREFECT_SERVER_EPHEMERAL_ENABLED

    if PREFECT_API_URL.value() or not PREFECT_SERVER_EPHEMERAL_ENABLED.value():
        return None
    from prefect.server.api.server import SubprocessASGIServer

    def start(server: SubprocessASGIServer) -> None:
        try:
            server.start()
        except Exception:  # noqa: BLE001 - the flow call starts it again and raises Prefect's own error
            pass

    waiting = threading.Thread(target=start, args=(SubprocessASGIServer(),), name="newsloom-local-api", daemon=True)
    waiting.start()
    return waiting


def warm_worker(model_setting: str | None) -> str | None:
    """In a fresh worker: import the pipeline's stages and load the model of unknown-language text, once."""
    import flows.pipeline  # noqa: F401  (the stages a task unpickles)
    from newsloom.models import model_for, model_registry
    from newsloom.nlp import load_nlp

    model = model_for(model_registry(model_setting), None)
    if model is not None:
        load_nlp(model)
    return model


class Cluster:
    """The run's task runner, shared by every stage of the run (so worker processes import the code and load
    the model once).

    Local workers talk to the run's own Prefect API: without this, each worker process of an
    ephemeral-mode run starts a temporary Prefect server of its own (about 12 s of CPU each)."""

    def __init__(self, config: Config):
        self.config, self._local = config, None
        self._starting: threading.Thread | None = None
        self._failed: BaseException | None = None

    def runner(self, serial: bool = False):
        """The task runner for the stages' parts; ``serial`` (or a one-worker config): this process."""
        if serial or self.config.serial:
            return ThreadPoolTaskRunner(max_workers=1)
        from prefect_dask import DaskTaskRunner

        return DaskTaskRunner(address=self.address())

    def start(self) -> None:
        """Start the local cluster in a background thread (nothing to start for a serial run or an existing
        cluster, or when it is started already)."""
        if self.config.serial or self.config.dask_address or self._starting is not None:
            return
        env = {"PREFECT_API_URL": url} if (url := prefect_api_url()) else {}
        self._starting = threading.Thread(target=self._start, args=(env,), name="newsloom-cluster", daemon=True)
        self._starting.start()

    def _start(self, env: dict) -> None:
        try:
            import dask
            from distributed import Client, LocalCluster

            # distributed's nanny sets MALLOC_TRIM_THRESHOLD_=65536 in its workers, so glibc hands freed memory
            # back at once; spaCy allocates and frees constantly, and ran 15% slower in such a worker than in a
            # plain process (bench/: the same 60 articles, 10.6-11.0 s against 9.3 s).  Our workers keep
            # glibc's defaults, as the serial path does.
            with dask.config.set({"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None}):
                self._local = LocalCluster(n_workers=self.config.n_workers, threads_per_worker=1, processes=True,
                                           dashboard_address=None, env=env)
            with Client(self._local) as client:
                client.run(warm_worker, self.config.model)
        except BaseException as exc:  # raised in the flow's thread by address()
            self._failed = exc

    def ready(self) -> bool:
        """Whether the parts can go to the workers now without waiting."""
        if self.config.dask_address:
            return True
        return self._starting is not None and not self._starting.is_alive()

    def address(self) -> str:
        """The scheduler's address: the cluster at ``dask_address``, or the local one once it is up."""
        if self.config.dask_address:
            return self.config.dask_address
        self.start()
        self._starting.join()
        if self._failed is not None:
            raise RuntimeError(f"the local Dask cluster did not start: {self._failed}") from self._failed
        return self._local.scheduler_address

    def threads(self) -> int:
        """Worker threads of the cluster at ``dask_address``: what the parts are sized to keep busy."""
        from distributed import Client

        with Client(self.config.dask_address, timeout=60) as client:
            return max(1, sum(client.nthreads().values()))

    def close(self) -> None:
        """Stop the local cluster (once it has finished starting); the run can start another."""
        if self._starting is not None:
            self._starting.join()
            self._starting = None
        if self._local is not None:
            self._local.close()
            self._local = None
        self._failed = None


def dask_setup(worker) -> None:
    """``dask worker ... --preload flows.cluster``: a long-lived worker imports the pipeline and loads the model
    of unknown-language text when it starts, not in the first scheduled run it serves (docs/operations.md)."""
    warm_worker(None)
