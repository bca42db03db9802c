"""A throw-away Neo4j 5.26 Community server for tests and local trials, built from Maven Central jars.

`mvn` copies the jars that scripts/neo4j/pom.xml lists into .cache/neo4j/lib (once; later runs reuse
them without calling mvn), then `java` runs scripts/neo4j/Launcher.java from source on them: an
embedded DBMS with only Bolt, on 127.0.0.1, auth enabled for user neo4j.

    with Neo4jDevServer() as server:
        driver = neo4j.GraphDatabase.driver(server.uri, auth=(server.user, server.password))

`python -m tests.neo4j_server` (or scripts/neo4j-dev-server) runs one in the foreground. It lives with the
tests, not in the shipped `graph` package: flowreg itself only connects to a Neo4j, it never starts one.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import logging
import os
import re
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import deque
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import FrameType, TracebackType
from typing import IO, TYPE_CHECKING, NoReturn

if TYPE_CHECKING:
    from graph.neo4j_import import ImportFiles

try:
    import fcntl
except ImportError:  # not POSIX: concurrent first runs are then not serialised
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger(__name__)

REPO_ROOT = Path(__file__).resolve().parent.parent
NEO4J_SCRIPTS = REPO_ROOT / "scripts" / "neo4j"
POM = NEO4J_SCRIPTS / "pom.xml"
LAUNCHER = NEO4J_SCRIPTS / "Launcher.java"
CACHE_DIR = REPO_ROOT / ".cache" / "neo4j"

USER = "neo4j"
READY_MARK = "FLOWREG-NEO4J READY"
DEFAULT_HEAP = "512m"
DEFAULT_PAGE_CACHE_MIB = 64  # the test graphs are tiny; a benchmark of a large registry gives more
# A small code cache (and the serial collector, by default) keep an idle server near 400 MiB RSS on a
# 2-core machine; the --add-opens let Neo4j reach file descriptors for its native I/O hints as its own scripts do.
BASE_JVM_OPTIONS = (
    "-Xms32m",
    "-XX:ReservedCodeCacheSize=64m",
    "-XX:+ExitOnOutOfMemoryError",
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "-Dio.netty.tryReflectionSetAccessible=true",
    # The launcher exits when our end of its stdin closes, so a killed parent leaves no JVM behind.
    "-Dflowreg.neo4j.exitOnStdinEof=true",
)
MVN_TIMEOUT_S = 420.0  # with the 120 s start-up, under pytest-timeout's 600 s per test
OUTPUT_TAIL_LINES = 40


class Neo4jUnavailable(RuntimeError):
    """No server could be provided; `reason` says what is missing or what failed."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def find_tools() -> tuple[str, str]:
    """Paths of `java` and `mvn`, or Neo4jUnavailable naming the ones not on PATH."""
    found = {name: shutil.which(name) for name in ("java", "mvn")}
    missing = [name for name, path in found.items() if path is None]
    if missing:
        raise Neo4jUnavailable(
            f"{' and '.join(missing)} not found on PATH: the Neo4j test server needs Java 17+ and Maven"
        )
    return found["java"], found["mvn"]  # type: ignore[return-value]


@contextlib.contextmanager
def _locked(directory: Path) -> Iterator[None]:
    """Serialises provisioning between processes (two pytest runs, or tests and the dev script)."""
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / ".lock", "w") as handle:
        if fcntl is not None:
            fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def provision(cache_dir: Path = CACHE_DIR, mvn: str | None = None) -> Path:
    """The folder of Neo4j jars; runs mvn only when it is missing or the pom changed since."""
    lib = cache_dir / "lib"
    stamp = cache_dir / "lib.stamp"
    digest = hashlib.sha256(POM.read_bytes()).hexdigest()
    with _locked(cache_dir):
        if stamp.is_file() and stamp.read_text().strip() == digest and any(lib.glob("*.jar")):
            return lib
        mvn = mvn or find_tools()[1]
        # Copy into a fresh folder and swap it in, so a failed or interrupted run never leaves a
        # half-filled lib/ that the stamp would vouch for.
        staging = Path(tempfile.mkdtemp(prefix="lib-", dir=cache_dir))
        command = [mvn, "-B", "-q", "-f", str(POM), "dependency:copy-dependencies", f"-Dneo4j.lib={staging}"]
        log.info("resolving the Neo4j jars with Maven (first run only)")
        started = time.monotonic()
        try:
            done = subprocess.run(
                command, capture_output=True, text=True, timeout=MVN_TIMEOUT_S, stdin=subprocess.DEVNULL
            )
        except subprocess.TimeoutExpired:
            shutil.rmtree(staging, ignore_errors=True)
            raise Neo4jUnavailable(f"mvn did not resolve the Neo4j jars within {MVN_TIMEOUT_S:.0f} s") from None
        if done.returncode != 0 or not any(staging.glob("*.jar")):
            shutil.rmtree(staging, ignore_errors=True)
            output = _tail((done.stdout + done.stderr).splitlines())
            raise Neo4jUnavailable(f"mvn could not resolve the Neo4j jars (exit {done.returncode}):\n{output}")
        stamp.unlink(missing_ok=True)
        shutil.rmtree(lib, ignore_errors=True)
        staging.rename(lib)
        stamp.write_text(digest + "\n")
        log.info("Neo4j jars ready in %s (%.1f s)", lib, time.monotonic() - started)
        return lib


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def free_port() -> int:
    """A port the kernel just handed out; a race with another process is possible but unlikely."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _tail(lines: Sequence[str], count: int = OUTPUT_TAIL_LINES) -> str:
    return "\n".join(lines[-count:]) if lines else "(no output)"


class Neo4jDevServer:
    """A Neo4j Community server in a child JVM, on 127.0.0.1 with a temporary data directory."""

    def __init__(
        self,
        *,
        port: int | None = None,
        password: str | None = None,
        data_dir: Path | None = None,
        heap: str = DEFAULT_HEAP,
        page_cache_mib: int = DEFAULT_PAGE_CACHE_MIB,
        collector: str = "Serial",
        jvm_options: Sequence[str] = (),
        startup_timeout: float = 120.0,
        stop_timeout: float = 30.0,
        cache_dir: Path = CACHE_DIR,
        echo: IO[str] | None = None,
    ) -> None:
        """`data_dir` given: kept after stop (else a temp dir, removed). `echo`: copy JVM output there.
        `collector`: the JVM's garbage collector (Serial, Parallel or G1): Serial keeps a test server small,
        Parallel lets a server sized for a large registry collect its big transactions on every core."""
        self.port = port if port is not None else free_port()
        self.user = USER
        self.password = password if password is not None else secrets.token_urlsafe(16)
        self.version: str | None = None
        self._data_dir = data_dir
        self._owns_data_dir = data_dir is None
        if collector not in ("Serial", "Parallel", "G1"):
            raise ValueError(f"unknown garbage collector {collector!r}: Serial, Parallel or G1")
        self._jvm_options = [*BASE_JVM_OPTIONS, f"-XX:+Use{collector}GC", f"-Xmx{heap}",
                             f"-Dflowreg.neo4j.pageCacheMiB={page_cache_mib}",
                             *jvm_options]
        self._startup_timeout = startup_timeout
        self._stop_timeout = stop_timeout
        self._cache_dir = cache_dir
        self._echo = echo
        self._process: subprocess.Popen[str] | None = None
        self._readers: list[threading.Thread] = []
        self._stdout: deque[str] = deque(maxlen=200)
        self._stderr: deque[str] = deque(maxlen=200)
        self._ready = threading.Event()

    @property
    def uri(self) -> str:
        return f"bolt://127.0.0.1:{self.port}"

    @property
    def data_dir(self) -> Path | None:
        return self._data_dir

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    def __enter__(self) -> Neo4jDevServer:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def start(self) -> None:
        """Provision (first time), launch the JVM and return once Bolt answers; Neo4jUnavailable if not."""
        if self._process is not None:
            return
        java, mvn = find_tools()
        if len(self.password) < 8:
            raise Neo4jUnavailable("Neo4j 5 needs a password of at least 8 characters")
        if not port_is_free(self.port):
            raise Neo4jUnavailable(f"port {self.port} on 127.0.0.1 is already in use")
        lib = provision(self._cache_dir, mvn)
        if self._data_dir is None:
            self._data_dir = Path(tempfile.mkdtemp(prefix="flowreg-neo4j-"))
        self._data_dir.mkdir(parents=True, exist_ok=True)
        # The JVM expands the trailing "*" of a classpath entry itself, so no shell is needed.
        command = [java, *self._jvm_options, "-cp", str(lib / "*"), str(LAUNCHER), str(self._data_dir), str(self.port)]
        env = {**os.environ, "NEO4J_PASSWORD": self.password}  # not on the command line: `ps` shows that
        log.info("starting Neo4j on %s (data in %s)", self.uri, self._data_dir)
        self._process = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            cwd=self._data_dir,
        )
        for stream, sink in ((self._process.stdout, self._stdout), (self._process.stderr, self._stderr)):
            reader = threading.Thread(target=self._read, args=(stream, sink), daemon=True)
            reader.start()
            self._readers.append(reader)
        try:
            self._await_bolt()
        except BaseException:
            self.stop()
            raise

    def import_csv(self, arguments: Sequence[str], *, heap: str = "1g", off_heap: str = "1g",
                   timeout: float = 3600.0) -> None:
        """Run `neo4j-admin database import full ARGUMENTS` (graph.neo4j_import.ImportFiles.arguments) into
        this server's data directory, before it starts: the tool writes the store files itself, so the server
        must not be running. Neo4jUnavailable with the tool's output if it fails."""
        if self._process is not None:
            raise RuntimeError("the import tool writes the store files: stop the server first")
        java, mvn = find_tools()
        lib = provision(self._cache_dir, mvn)
        if self._data_dir is None:
            self._data_dir = Path(tempfile.mkdtemp(prefix="flowreg-neo4j-"))
        conf = self._data_dir / "conf"
        conf.mkdir(parents=True, exist_ok=True)
        # The tool finds the data directory as the launcher's DBMS does: NEO4J_HOME/data.
        env = {**os.environ, "NEO4J_HOME": str(self._data_dir), "NEO4J_CONF": str(conf)}
        command = [java, f"-Xmx{heap}", *BASE_JVM_OPTIONS[2:-1], "-cp", str(lib / "*"), "org.neo4j.cli.AdminTool",
                   "database", "import", "full", f"--max-off-heap-memory={off_heap}",
                   f"--report-file={self._data_dir / 'import.report'}", *arguments]
        done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=self._data_dir,
                              stdin=subprocess.DEVNULL, timeout=timeout)
        if done.returncode != 0:
            raise Neo4jUnavailable(f"neo4j-admin import failed (exit {done.returncode}):\n"
                                   f"{_tail((done.stdout + done.stderr).splitlines())}")

    def _read(self, stream: IO[str], sink: deque[str]) -> None:
        # Draining both pipes keeps the JVM from blocking on a full pipe buffer.
        for raw in stream:
            line = raw.rstrip("\n")
            sink.append(line)
            if self._echo is not None:
                print(line, file=self._echo, flush=True)
            if line.startswith(READY_MARK):
                found = re.search(r"version=(\S+)", line)
                self.version = found.group(1) if found else None
                self._ready.set()

    def _await_bolt(self) -> None:
        # The launcher prints its ready line only after it has set the password: logging in before
        # that would fail and count towards Neo4j's lock-out after repeated bad logins.
        try:
            import neo4j
        except ImportError:
            raise Neo4jUnavailable("the neo4j Python driver is not installed") from None
        assert self._process is not None
        deadline = time.monotonic() + self._startup_timeout
        last_error: Exception | None = None
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                for reader in self._readers:  # its last words may still be in the pipes
                    reader.join(timeout=5)
                raise Neo4jUnavailable(self._failure(f"the Neo4j JVM exited with status {self._process.returncode}"))
            if self._ready.wait(timeout=0.2):
                try:
                    with neo4j.GraphDatabase.driver(self.uri, auth=(self.user, self.password)) as driver:
                        driver.verify_connectivity()
                    return
                except Exception as error:  # any driver error means "not yet"; the last one is reported
                    last_error = error
                    time.sleep(0.5)
        detail = f" (last driver error: {last_error})" if last_error else ""
        raise Neo4jUnavailable(
            self._failure(f"Neo4j did not accept Bolt logins within {self._startup_timeout:.0f} s{detail}")
        )

    def _failure(self, headline: str) -> str:
        parts = [headline, "JVM stderr (tail):", _tail(list(self._stderr))]
        if self._stdout:  # the JVM reports some fatal errors (out of memory) on stdout
            parts += ["JVM stdout (tail):", _tail(list(self._stdout))]
        debug_log = self._data_dir / "logs" / "debug.log" if self._data_dir else None
        if debug_log is not None and debug_log.is_file():
            lines = debug_log.read_text(errors="replace").splitlines()
            parts += [f"{debug_log} (tail):", _tail(lines, 15)]
        return "\n".join(parts)

    def wait(self) -> int:
        """Block until the JVM exits; its exit status."""
        assert self._process is not None, "not started"
        return self._process.wait()

    def stop(self) -> None:
        """SIGTERM (a clean Neo4j shutdown), SIGKILL after `stop_timeout`; removes a temp data dir."""
        process, self._process = self._process, None
        if process is not None:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=self._stop_timeout)
                except subprocess.TimeoutExpired:
                    log.warning("Neo4j did not stop within %.0f s; killing it", self._stop_timeout)
                    process.kill()
                    process.wait()
            if process.stdin is not None:
                with contextlib.suppress(OSError):
                    process.stdin.close()
            for reader in self._readers:
                reader.join(timeout=5)
            self._readers.clear()
        self._ready.clear()
        if self._owns_data_dir and self._data_dir is not None:
            shutil.rmtree(self._data_dir, ignore_errors=True)
            self._data_dir = None


def load_registry_offline(server: Neo4jDevServer, store_path: Path, *, actor: str = "neo4j-dev-server") -> ImportFiles:
    """Import the registry in the SQLite store `store_path` into `server`, not started yet and with no database:
    the fastest first load (graph.neo4j_import). Call `finish_offline_load` once the server runs."""
    from graph.neo4j_import import write_import_files
    from graph.sqlite import SQLiteStore
    from registry.mapping import LABELS

    if server.data_dir is not None and (server.data_dir / "data" / "databases").exists():
        raise Neo4jUnavailable(f"{server.data_dir} already holds a database: an offline load needs a new one")
    source = SQLiteStore(store_path)
    try:
        with tempfile.TemporaryDirectory(prefix="flowreg-import-") as directory:
            files = write_import_files(source.read(), Path(directory), label_order=LABELS, actor=actor,
                                       context=f"offline load of {store_path.name}")
            server.import_csv(files.arguments())
    finally:
        source.close()
    return files


def finish_offline_load(server: Neo4jDevServer, files: ImportFiles) -> None:
    """The started server's part of an offline load: the constraints and the empty lists."""
    from graph.neo4j import Neo4jStore
    from graph.neo4j_import import complete_import
    from registry.mapping import LABELS

    store = Neo4jStore(server.uri, server.user, server.password, labels=[*LABELS, *sorted(files.labels)])
    try:
        complete_import(store, files)
    finally:
        store.close()


PASSWORD_FILE = "flowreg-dev-password"


def dev_password(data_dir: Path | None) -> str:
    """A random password: a fixed one would let anyone on the machine into every dev server. A kept database
    (--data) keeps its password in a file only its owner can read, since Neo4j set it on first start."""
    if data_dir is None:
        return secrets.token_urlsafe(16)
    path = data_dir / PASSWORD_FILE
    if path.is_file():
        return path.read_text(encoding="utf-8").strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    password = secrets.token_urlsafe(16)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(password + "\n")
    return password


def _interrupt(signum: int, frame: FrameType | None) -> NoReturn:
    # Any request to end the dev script stops Neo4j as cleanly as Ctrl-C does.
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    """Run a server in the foreground until Ctrl-C (what scripts/neo4j-dev-server does)."""
    parser = argparse.ArgumentParser(prog="neo4j-dev-server", description=main.__doc__)
    parser.add_argument("--port", type=int, default=None, help="Bolt port (default 7687, or a free one if taken)")
    parser.add_argument(
        "--password", default=None,
        help="password of user neo4j (default $NEO4J_PASSWORD, else a random one, printed; kept with --data)"
    )
    parser.add_argument(
        "--data", type=Path, default=None, help="keep the database in DIR (default: a temp dir, deleted)"
    )
    parser.add_argument(
        "--load", type=Path, default=None, metavar="REGISTRY.sqlite",
        help="first load this registry store with neo4j-admin import before the server starts (a new database only)"
    )
    parser.add_argument("--heap", default=DEFAULT_HEAP, help=f"JVM max heap (default {DEFAULT_HEAP})")
    parser.add_argument("--verbose", action="store_true", help="show the JVM's own output")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")

    port = args.port
    if port is None:
        port = 7687 if port_is_free(7687) else free_port()
    password = args.password or os.environ.get("NEO4J_PASSWORD") or dev_password(args.data)
    server = Neo4jDevServer(
        port=port, password=password, data_dir=args.data, heap=args.heap, echo=sys.stderr if args.verbose else None
    )
    # Also SIGINT: a shell that starts the script in the background has it ignored, and Ctrl-C must still work.
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _interrupt)
    try:
        started = time.monotonic()
        loaded = load_registry_offline(server, args.load) if args.load else None
        server.start()
        if loaded is not None:
            finish_offline_load(server, loaded)
            print(f"loaded {loaded.records:,} records from {args.load} ({loaded.entries} change-log entries)")
        print(
            f"\nNeo4j {server.version or ''} is ready at {server.uri} ({time.monotonic() - started:.1f} s). "
            "Ctrl-C stops it.\nIn another shell:\n\n"
            f"  export FLOWREG_STORE={server.uri}\n"
            f"  export NEO4J_USER={server.user}\n"
            f"  export NEO4J_PASSWORD={shlex.quote(server.password)}\n",
            flush=True,
        )
        status = server.wait()
        print(f"Neo4j exited on its own with status {status}", file=sys.stderr)
        return 1
    except Neo4jUnavailable as error:
        print(f"neo4j-dev-server: {error.reason}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nstopping Neo4j ...", file=sys.stderr, flush=True)
        return 0
    finally:
        # A second Ctrl-C must not cut the clean shutdown short (stop() still kills after a timeout).
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, signal.SIG_IGN)
        server.stop()


if __name__ == "__main__":
    sys.exit(main())
