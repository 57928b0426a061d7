"""Fixtures shared by the tests in tests/: a Voila server for the app and a headless Chromium page."""
import os, shutil, socket, subprocess, sys, time, urllib.request
from pathlib import Path
import pytest

CHROMIUM_FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
                  '--disable-component-update', '--disable-sync']


def chromium_path():
    "Debian's chromium, or None."
    return shutil.which('chromium') or ('/usr/bin/chromium' if os.path.exists('/usr/bin/chromium') else None)


def require_chromium():
    "Skip without chromium, except in CI (CI=true), where a missing browser is a failure."
    path = chromium_path()
    if path: return path
    msg = "chromium not found: install it (apt-get install -y --no-install-recommends chromium) to run the browser tests"
    if os.environ.get('CI', '').lower() == 'true': pytest.fail(msg)
    pytest.skip(msg)


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def jupyter_env(tmp: Path) -> dict:
    "Environment that keeps Jupyter and Voila out of the home folder."
    env = dict(os.environ)
    for var, sub in [('JUPYTER_DATA_DIR', 'data'), ('JUPYTER_CONFIG_DIR', 'config'), ('JUPYTER_RUNTIME_DIR', 'runtime'), ('IPYTHONDIR', 'ipython')]:
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


@pytest.fixture
def ipyannotator_server(tmp_path):
    """Start `ipyannotator ARGS...` (demo or serve) on a free port, in the folder `cwd` (default `tmp_path`: a task
    given as `module:Class` is imported from there); yields a function(*args, cwd=None) -> base URL."""
    procs = []
    def start(*args, cwd=None):
        port = free_port()
        cmd = [str(Path(sys.executable).parent/'ipyannotator'), *args, '--port', str(port)]
        log = open(tmp_path/f'server-{port}.log', 'w')
        proc = subprocess.Popen(cmd, env=jupyter_env(tmp_path/'jupyter'), stdout=log, stderr=subprocess.STDOUT,
                                cwd=cwd or tmp_path)
        procs.append(proc)
        base = f'http://127.0.0.1:{port}/'
        try: wait_ready(base + 'voila/static/voila.js', proc)
        except Exception: raise RuntimeError((tmp_path/f'server-{port}.log').read_text()[-3000:])
        return base
    yield start
    for p in procs:
        p.terminate()
        try: p.wait(10)
        except subprocess.TimeoutExpired: p.kill()


@pytest.fixture
def browser_page(tmp_path):
    "A page of a fresh headless Chromium (Playwright driving Debian's chromium)."
    exe = require_chromium()
    from playwright.sync_api import sync_playwright
    with sync_playwright() as pw:
        ctx = pw.chromium.launch_persistent_context(str(tmp_path/'profile'), executable_path=exe, headless=True,
                                                    args=CHROMIUM_FLAGS, viewport={'width': 1280, 'height': 900})
        page = ctx.new_page()
        page.set_default_timeout(60_000)
        yield page
        ctx.close()
