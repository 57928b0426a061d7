"""A real, throwaway PostgreSQL server for tests: `initdb` and `pg_ctl` into a temporary folder, on a free port.

Used by the PostgreSQL tests in tests/ (as the `pg_server` / `pg_url` fixtures, imported by each test file) and by the
notebooks' examples (`nbs/02b_postgres.ipynb` and the notebooks after it): one server per Python process, started on first
use and stopped when the process ends. As root (here and in CI) the server runs as the `postgres` user, since `initdb`
refuses root; as any other user it runs as that user.

Without the server binaries (Debian: `apt-get install -y postgresql`; `.ci/run` does it) or without psycopg
(`pip install 'psycopg[binary]>=3.1'`), the tests are skipped, except in CI (`CI=true`), where that is a failure.
"""
import atexit, glob, os, shutil, socket, subprocess, tempfile, time, uuid
from pathlib import Path

__all__ = ['PostgresServer', 'server', 'missing', 'pg_server', 'pg_url', 'fresh_url']


def _bin_dir() -> Path|None:
    "The newest `/usr/lib/postgresql/N/bin` holding `initdb` (or the folder of an `initdb` on PATH), None if none."
    found = sorted(glob.glob('/usr/lib/postgresql/*/bin/initdb'), key=lambda p: int(Path(p).parts[-3]))
    if found: return Path(found[-1]).parent
    on_path = shutil.which('initdb')
    return Path(on_path).parent if on_path else None


def missing() -> str|None:
    "Why no server can be started here (what to install), or None."
    try: import psycopg  # noqa: F401
    except ImportError: return "psycopg is not installed: pip install 'psycopg[binary]>=3.1'"
    if _bin_dir() is None: return "PostgreSQL server binaries not found: apt-get install -y postgresql (as root)"
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


class PostgresServer:
    "A PostgreSQL server in a temporary folder: `start()`, `stop()`, `restart()`, `url(dbname)`."
    def __init__(self, port:int|None=None):
        self.bin = _bin_dir()
        if self.bin is None: raise RuntimeError(missing())
        self.port = port or _free_port()
        self.dir = Path(tempfile.mkdtemp(prefix='ipyannotator-pg-'))
        self.data, self.log = self.dir/'data', self.dir/'log'
        self.as_root = os.geteuid() == 0
        if self.as_root: shutil.chown(self.dir, 'postgres', 'postgres')
        self._run('initdb', '-D', self.data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--locale=C.UTF-8')
        self.running = False

    def _run(self, tool:str, *args, check=True):
        cmd = [str(self.bin/tool), *map(str, args)]
        if self.as_root: cmd = ['runuser', '-u', 'postgres', '--', *cmd]
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        if check and r.returncode:
            raise RuntimeError(f"{tool} failed ({r.returncode}): {r.stderr or r.stdout}\nlog: {self.log_text()}")
        return r

    def log_text(self) -> str:
        try: return self.log.read_text()[-3000:]
        except OSError: return ''

    def start(self):
        "Start the server (waits until it takes connections)."
        opts = f'-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=on -c max_connections=200'
        self._run('pg_ctl', '-D', self.data, '-o', opts, '-l', self.log, '-w', '-t', '60', 'start')
        self.running = True
        return self

    def stop(self, mode:str='fast'):
        "Stop the server: 'fast' rolls back open transactions, 'immediate' is as a crash."
        if self.running: self._run('pg_ctl', '-D', self.data, '-m', mode, '-w', 'stop', check=False)
        self.running = False

    def restart(self, down:float=0.0, mode:str='fast'):
        "Stop the server, wait `down` seconds, start it again on the same port."
        self.stop(mode); time.sleep(down); self.start()

    def url(self, dbname:str='postgres') -> str:
        return f'postgresql://postgres@127.0.0.1:{self.port}/{dbname}'

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


_SERVER = None

def server() -> PostgresServer:
    "The server of this process, started on first use and stopped when the process ends."
    global _SERVER
    if _SERVER is None:
        _SERVER = PostgresServer().start()
        atexit.register(_SERVER.cleanup)
    elif not _SERVER.running: _SERVER.start()
    return _SERVER


def fresh_url() -> str:
    "The URL of the server with a new, empty schema of its own (`?schema=t_...`): one project per test."
    return server().url() + f'?schema=t_{uuid.uuid4().hex[:12]}'


try:
    import pytest

    @pytest.fixture
    def pg_server():
        "The process's PostgreSQL server (skipped without one, except in CI)."
        why = missing()
        if why:
            if os.environ.get('CI', '').lower() == 'true': pytest.fail(why)
            pytest.skip(why)
        s = server()
        yield s
        if not s.running: s.start()  # a test that stopped it leaves it running for the next

    @pytest.fixture
    def pg_url(pg_server):
        "A URL naming a new empty project (schema) on the test server."
        return fresh_url()
except ImportError:  # used from a notebook without pytest
    pass
