"""Fixtures shared by the tests in tests/: the `ipyannotator` command serving the app, and headless Chromium."""
import os, shutil, socket, subprocess, sys, time, urllib.request
from dataclasses import dataclass, field
from pathlib import Path
import pytest

CHROMIUM_FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
                  '--disable-background-networking', '--disable-component-update', '--disable-sync']
COMMAND = str(Path(sys.executable).parent/'ipyannotator')


def chromium_path():
    "Debian's chromium, or None."
    return shutil.which('chromium') or ('/usr/bin/chromium' if os.path.exists('/usr/bin/chromium') else None)


def require_chromium():
    "Skip without chromium, except in CI (CI=true), where a missing browser is a failure."
    path = chromium_path()
    if path: return path
    msg = "chromium not found: to run the browser tests, apt-get install -y --no-install-recommends chromium"
    if os.environ.get('CI', '').lower() == 'true': pytest.fail(msg)
    pytest.skip(msg)


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def jupyter_env(tmp: Path) -> dict:
    "Environment that keeps Jupyter and Voila out of the home folder."
    env = dict(os.environ)
    for var, sub in [('JUPYTER_DATA_DIR', 'data'), ('JUPYTER_CONFIG_DIR', 'config'), ('JUPYTER_RUNTIME_DIR', 'runtime'),
                     ('IPYTHONDIR', 'ipython')]:
        (tmp/sub).mkdir(parents=True, exist_ok=True)
        env[var] = str(tmp/sub)
    return env


def wait_ready(url: str, proc: subprocess.Popen, timeout: float = 60):
    "Wait until `url` answers (Voila's static voila.js starts no kernel)."
    end = time.time() + timeout
    while time.time() < end:
        if proc.poll() is not None: raise RuntimeError(f'server exited with {proc.returncode}')
        try:
            with urllib.request.urlopen(url, timeout=2): return
        except Exception: time.sleep(0.2)
    raise TimeoutError(f'{url} not ready after {timeout} s')


def descendants(pid: int) -> list[tuple[int, str]]:
    "The processes under `pid` (children, grandchildren, ...), as (pid, command line), read from /proc."
    parents = {}
    for d in Path('/proc').iterdir():
        if not d.name.isdigit(): continue
        try:
            stat = (d/'stat').read_text()
            cmd = (d/'cmdline').read_bytes().replace(b'\0', b' ').decode(errors='replace')
        except OSError: continue
        parents.setdefault(int(stat.rsplit(')', 1)[1].split()[1]), []).append((int(d.name), cmd))
    out, todo = [], [pid]
    while todo:
        for child in parents.get(todo.pop(), []): out.append(child); todo.append(child[0])
    return out


@dataclass
class Served:
    "An `ipyannotator` command serving the app: its address, process, log, and the temp folder it was given."
    url: str
    process: subprocess.Popen
    log_path: Path
    tmpdir: Path
    started: float = field(default_factory=time.monotonic)

    def log(self) -> str: return self.log_path.read_text(errors='replace')

    def kernels(self) -> int:
        "How many kernels the server runs now."
        return sum('ipykernel' in cmd for _, cmd in descendants(self.process.pid))


@pytest.fixture
def app_server(tmp_path):
    """Start `ipyannotator ARGS...` (demo or serve) on a free port, in the folder `cwd` (default `tmp_path`: a task
    given as `module:Class` is imported from there), with its own TMPDIR; yields start(*args, cwd=None) -> Served."""
    served = []
    def start(*args, cwd=None):
        port = free_port()
        env, tmpdir, log_path = jupyter_env(tmp_path/'jupyter'), tmp_path/f'tmp-{port}', tmp_path/f'server-{port}.log'
        tmpdir.mkdir()
        env['TMPDIR'] = str(tmpdir)
        proc = subprocess.Popen([COMMAND, *args, '--port', str(port)], env=env, stdout=open(log_path, 'w'),
                                stderr=subprocess.STDOUT, cwd=cwd or tmp_path)
        s = Served(f'http://127.0.0.1:{port}/', proc, log_path, tmpdir)
        served.append(s)
        try: wait_ready(s.url + 'voila/static/voila.js', proc)
        except Exception: raise RuntimeError(s.log()[-3000:])
        return s
    yield start
    for s in served:
        s.process.terminate()
        try: s.process.wait(15)
        except subprocess.TimeoutExpired: s.process.kill()


@pytest.fixture
def ipyannotator_server(app_server):
    "Like `app_server`, giving the base URL only."
    return lambda *args, cwd=None: app_server(*args, cwd=cwd).url


@pytest.fixture
def browser(tmp_path):
    "A fresh headless Chromium (Playwright driving Debian's chromium): its browser context."
    exe = require_chromium()
    from playwright.sync_api import sync_playwright
    with sync_playwright() as pw:
        ctx = pw.chromium.launch_persistent_context(str(tmp_path/'profile'), executable_path=exe, headless=True,
                                                    args=CHROMIUM_FLAGS, viewport={'width': 1280, 'height': 900})
        ctx.set_default_timeout(60_000)
        yield ctx
        ctx.close()


@pytest.fixture
def browser_page(browser):
    "A page of a fresh headless Chromium."
    return browser.new_page()


def team_project(root: Path, n: int = 12, name: str = 'proj') -> Path:
    "A project of `n` small distinct images in `root/name/images`."
    from PIL import Image, ImageDraw
    images = root/name/'images'
    images.mkdir(parents=True)
    for i in range(n):
        im = Image.new('RGB', (96, 72), (20 * (i % 12), 90 + 10 * (i % 5), 160))
        ImageDraw.Draw(im).ellipse([10 + i % 30, 10, 60 + i % 30, 60], fill=(240, 200, 40))
        im.save(images/f'im{i:03d}.png')
    return root/name


def team_add(project: Path, name: str, *options: str) -> str:
    "Add `name` to the project's team with the `ipyannotator team add` command; their personal link."
    out = subprocess.run([COMMAND, 'team', 'add', name, str(project), *options], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip().splitlines()[-1]


def server_config(served: 'Served') -> Path:
    "The config.json of the app a `Served` command serves (what its kernels read)."
    return next(served.tmpdir.glob('ipyannotator-app-*/config.json'))
