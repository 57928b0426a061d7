"""The `ipyannotator` command: it says "serving on" only once the page answers, refuses a busy port and a name that is
not one at once, refuses Host names other than its own, and stopping it stops Voila and removes its temporary folder."""
import http.client, os, re, signal, socket, subprocess, time, urllib.parse, urllib.request
from pathlib import Path
import pytest
from conftest import COMMAND, free_port, jupyter_env, wait_ready

SERVING = re.compile(r'serving on (http://\S+)(?: \(ready in ([\d.]+) s)?')


def port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(('127.0.0.1', port)) == 0


def start(tmp_path, *args):
    "Start the command with its own TMPDIR; return (process, log path, TMPDIR)."
    env, tmpdir, log = jupyter_env(tmp_path/'jupyter'), tmp_path/'tmp', tmp_path/'command.log'
    tmpdir.mkdir(exist_ok=True)
    env['TMPDIR'] = str(tmpdir)
    proc = subprocess.Popen([COMMAND, *args], env=env, cwd=tmp_path, stdout=open(log, 'w'), stderr=subprocess.STDOUT)
    return proc, log, tmpdir


def wait_for(log: Path, pattern: re.Pattern, proc, timeout=90):
    "The first match of `pattern` in the command's output, waiting for it."
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        m = pattern.search(log.read_text())
        if m: return m
        if proc.poll() is not None:
            raise AssertionError(f'the command ended ({proc.returncode}):\n{log.read_text()[-3000:]}')
        time.sleep(0.02)
    raise AssertionError(f'no {pattern.pattern!r} after {timeout} s:\n{log.read_text()[-3000:]}')


def get(url, host=None, timeout=60):
    "(status, body) of a GET of `url`, with the Host header `host` if given."
    u = urllib.parse.urlsplit(url)
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=timeout)
    try:
        c.putrequest('GET', u.path or '/', skip_host=host is not None)
        if host is not None: c.putheader('Host', host)
        c.endheaders()
        r = c.getresponse()
        return r.status, r.read().decode(errors='replace')
    finally: c.close()


@pytest.mark.parametrize('stop', [signal.SIGTERM, signal.SIGINT], ids=['SIGTERM', 'Ctrl+C'])
def test_stopping_the_command_stops_voila_and_removes_its_folder(tmp_path, stop):
    port = free_port()
    proc, log, tmpdir = start(tmp_path, 'demo', '--path', str(tmp_path/'demo'), '--port', str(port))
    try:
        wait_ready(f'http://127.0.0.1:{port}/voila/static/voila.js', proc, timeout=90)
        assert len(list(tmpdir.glob('ipyannotator-app-*'))) == 1
        others = [p.name for p in tmpdir.iterdir() if not p.name.startswith('ipyannotator-app-')]
        assert others == [], f'files outside the server folder, which a stop might leave behind: {others}'
        proc.send_signal(stop)
        proc.wait(30)
        deadline = time.time() + 15
        while port_open(port) and time.time() < deadline: time.sleep(0.2)
        assert not port_open(port), 'Voila kept serving after the ipyannotator command was stopped'
        assert list(tmpdir.glob('ipyannotator-app-*')) == [], 'the temporary app folder was left behind'
        assert list(tmpdir.iterdir()) == [], f'left behind: {list(tmpdir.iterdir())}'
    finally:
        if proc.poll() is None: proc.kill()


def test_serving_on_is_said_once_the_page_answers(tmp_path):
    port = free_port()
    t0 = time.monotonic()
    proc, log, _ = start(tmp_path, 'demo', '--path', str(tmp_path/'demo'), '--port', str(port))
    try:
        m = wait_for(log, SERVING, proc)
        said = time.monotonic() - t0
        assert m.group(1) == f'http://127.0.0.1:{port}/'
        assert port_open(port), '"serving on" was said before the server listened'
        with urllib.request.urlopen(m.group(1) + 'voila/static/voila.js', timeout=5) as r: assert r.status == 200
        status, page = get(m.group(1))
        first_page = time.monotonic() - t0
        assert status == 200 and 'ipyannotator' in page
        print(f'\ncommand to "serving on": {said:.1f} s (the command says {m.group(2)} s); '
              f'command to the first page rendered (kernel run): {first_page:.1f} s')
    finally:
        proc.terminate(); proc.wait(30)


def test_a_busy_port_is_refused_at_once(tmp_path):
    with socket.socket() as other:   # another server on the port
        other.bind(('127.0.0.1', 0)); other.listen()
        port = other.getsockname()[1]
        env = jupyter_env(tmp_path/'jupyter')
        env['TMPDIR'] = str(tmp_path)
        t0 = time.monotonic()
        proc = subprocess.Popen([COMMAND, 'demo', '--path', str(tmp_path/'demo'), '--port', str(port)], text=True,
                                env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                start_new_session=True)
        try: stdout, stderr = proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:   # it served on another port: stop it and the Voila it started
            os.killpg(proc.pid, signal.SIGTERM)
            stdout, stderr = proc.communicate()
        assert proc.returncode != 0, stdout
        assert f'port {port} on 127.0.0.1 is in use (another server?): pass --port' in stderr, stderr
        assert 'serving on' not in stdout
        assert time.monotonic() - t0 < 30
        assert list(tmp_path.glob('ipyannotator-app-*')) == []


def test_annotator_names_are_checked_by_the_command(tmp_path):
    demo = ['demo', '--path', str(tmp_path/'demo'), '--no-serve']
    for name, says in [('   ', 'the annotator name (--annotator) is blank: give 1 to 100 printable characters'),
                       ('a' * 60_000, 'the annotator name (--annotator) has 60,000 characters: give 1 to 100'),
                       ('ada\tbob', "holds the unprintable character '\\t'")]:
        out = subprocess.run([COMMAND, *demo, '--annotator', name], capture_output=True, text=True, cwd=tmp_path)
        assert out.returncode != 0 and says in out.stderr, (name[:20], out.stdout, out.stderr)
    out = subprocess.run([COMMAND, *demo, '--annotator', '<b>Zoë</b>'], capture_output=True, text=True, cwd=tmp_path)
    assert out.returncode == 0, out.stderr


def test_other_host_names_are_refused(tmp_path):
    port = free_port()
    proc, log, _ = start(tmp_path, 'demo', '--path', str(tmp_path/'demo'), '--port', str(port))
    try:
        url = f'http://127.0.0.1:{port}/'
        wait_ready(url + 'voila/static/voila.js', proc, timeout=90)
        for host in ['evil.example', f'evil.example:{port}', 'attacker.test:80']:
            status, body = get(url, host)
            assert status == 403 and 'ipyannotator.ipynb' not in body, (host, status)
            status, _ = get(url + 'api/kernels/00000000-0000-0000-0000-000000000000', host)
            assert status == 403, (host, status)
        for host in [f'127.0.0.1:{port}', f'localhost:{port}']:
            status, body = get(url, host)
            assert status == 200 and 'ipyannotator' in body, (host, status)
    finally:
        proc.terminate(); proc.wait(30)


def test_bad_project_is_refused_with_a_message(tmp_path):
    out = subprocess.run([COMMAND, 'serve', str(tmp_path), '--labels', 'cat,dog'], capture_output=True, text=True)
    assert out.returncode != 0
    assert 'no image folder' in out.stderr and str(tmp_path) in out.stderr
    out = subprocess.run([COMMAND, 'serve', str(tmp_path)], capture_output=True, text=True)
    assert out.returncode != 0 and 'no classes: pass --labels' in out.stderr


def test_a_user_task_that_is_not_registered_is_refused(tmp_path):
    (tmp_path/'mytasks.py').write_text("from ipyannotator.annotators.base import Task\n"
                                       "class Rating(Task): name = 'rating'\n")
    out = subprocess.run([COMMAND, 'serve', str(tmp_path), '--task', 'mytasks:Rating'], capture_output=True, text=True,
                         cwd=tmp_path)
    assert out.returncode != 0 and "task 'mytasks:Rating' is not registered: call register(" in out.stderr, out.stderr
