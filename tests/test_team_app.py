"""The `ipyannotator team` command, and how a team's server listens: the address given (`--host`), the Host names it
answers (that address, loopback, `localhost`, `--allow-host`), and no address but 127.0.0.1 without a team."""
import http.client, re, socket, subprocess, time
from conftest import COMMAND, free_port, jupyter_env, team_add, team_project
from pgserver import pg_server, pg_url  # noqa: F401 (fixtures)

SERVING = re.compile(r'serving on (http://\S+)')


def run(*args, cwd=None):
    return subprocess.run([COMMAND, *args], capture_output=True, text=True, cwd=cwd)


def test_team_add_list_remove(tmp_path):
    project = team_project(tmp_path, 2)
    link = team_add(project, 'ada', '--url', 'https://labels.example.org/cats/')
    assert re.fullmatch(r'https://labels\.example\.org/cats/\?token=[\w-]{32}', link), link
    out = run('team', 'add', 'Zoë <b>', str(project), '--role', 'reviewer')
    assert out.returncode == 0 and out.stdout.startswith('Zoë <b> is on the team, as reviewer.'), out.stdout
    listed = [l.split('\t')[:2] for l in run('team', 'list', str(project)).stdout.splitlines()]
    assert listed == [['Zoë <b>', 'reviewer'], ['ada', 'annotator']]
    again = run('team', 'add', 'ada', str(project), '--role', 'admin')
    assert 'ada has a new link (the old one no longer works), as admin' in again.stdout
    assert again.stdout.splitlines()[-1] != link
    assert run('team', 'remove', 'ada', str(project)).stdout.strip() == \
        'ada is off the team: their link no longer opens the app'
    for args, says in [(('remove', 'ada', str(project)), "'ada' is not on the team"),
                       (('add', 'bob', str(project), '--role', 'boss'), "invalid choice: 'boss'"),
                       (('add', '  ', str(project)), 'the member name is blank'),
                       (('list', str(tmp_path/'nowhere')), 'no project folder'),
                       (('list', str(project), '--db', 'mysql://x'), '--db must be a postgresql:// URL')]:
        out = run('team', *args)
        assert out.returncode != 0 and says in out.stderr, (args, out.stdout, out.stderr)
    assert (project/'results'/'annotations.sqlite').exists()


def test_team_on_a_postgresql_project(pg_url, tmp_path):
    project = team_project(tmp_path, 2)
    team_add(project, 'ada', '--db', pg_url)
    assert run('team', 'list', str(project), '--db', pg_url).stdout.startswith('ada\tannotator')
    assert run('team', 'list', str(project)).stdout.startswith('no team yet'), 'the team went to the SQLite file'
    out = run('serve', str(project), '--labels', 'a,b', '--db', pg_url, '--host', '127.0.0.2', '--no-serve')
    assert out.returncode == 0 and 'would serve on http://127.0.0.2:8866/' in out.stdout, out.stderr


def get(host: str, port: int, host_header: str) -> tuple[int, str]:
    c = http.client.HTTPConnection(host, port, timeout=60)
    try:
        c.putrequest('GET', '/', skip_host=True)
        c.putheader('Host', host_header)
        c.endheaders()
        r = c.getresponse()
        return r.status, r.read().decode(errors='replace')
    finally: c.close()


def test_a_team_server_listens_where_it_is_told_and_answers_its_names_only(tmp_path):
    project = team_project(tmp_path, 3)
    team_add(project, 'ada')
    port = free_port()
    env = jupyter_env(tmp_path/'jupyter')
    log = tmp_path/'serve.log'
    proc = subprocess.Popen([COMMAND, 'serve', str(project), '--labels', 'a,b', '--port', str(port), '--host',
                             '127.0.0.2', '--allow-host', 'labels.example.org'], env=env, cwd=tmp_path,
                            stdout=open(log, 'w'), stderr=subprocess.STDOUT)
    try:
        end = time.monotonic() + 90
        while not (m := SERVING.search(log.read_text())) and time.monotonic() < end and proc.poll() is None:
            time.sleep(0.1)
        assert m, log.read_text()[-3000:]
        assert m.group(1) == f'http://127.0.0.2:{port}/'
        with socket.socket() as s:
            assert s.connect_ex(('127.0.0.1', port)) != 0, 'the server listens on 127.0.0.1 too'
        for name in [f'127.0.0.2:{port}', 'labels.example.org', f'localhost:{port}']:   # served: the door asks for a link
            status, body = get('127.0.0.2', port, name)
            assert status == 403 and 'Ask your team admin for your link' in body, (name, status, body[:200])
        for name in ['evil.example', f'10.9.9.9:{port}', 'labels.example.org.evil.example']:   # refused: not its names
            status, body = get('127.0.0.2', port, name)
            assert status == 403 and 'Ask your team admin' not in body, (name, status, body[:200])
        assert 'Blocking request with Host' in log.read_text()
    finally:
        proc.terminate(); proc.wait(30)


def test_without_a_team_the_app_stays_on_127_0_0_1(tmp_path):
    project = team_project(tmp_path, 2)
    for extra in (['--host', '10.1.2.3'], ['--host', '0.0.0.0'], ['--allow-host', 'labels.example.org']):
        out = run('serve', str(project), '--labels', 'a,b', *extra, '--no-serve')
        assert out.returncode != 0 and 'needs a team' in out.stderr and 'ipyannotator team add' in out.stderr, extra
    out = run('serve', str(project), '--labels', 'a,b', '--no-serve')
    assert out.returncode == 0 and 'would serve on http://127.0.0.1:8866/' in out.stdout


def test_online_labeling_on_a_team_server(tmp_path):
    "`--online` runs the plan in the server: three agreeing answers settle an item, which nobody is handed again."
    from ipyannotator.assign import Assigner
    from ipyannotator.mltypes import default_task_name
    from ipyannotator.storage import SQLiteStore
    project = team_project(tmp_path, 4)
    out = run('serve', str(project), '--labels', 'a,b', '--online', '--no-serve')
    assert out.returncode != 0 and '--online hands the items out to a team' in out.stderr, out.stderr
    team_add(project, 'ada')
    log = tmp_path/'serve.log'
    proc = subprocess.Popen([COMMAND, 'serve', str(project), '--labels', 'a,b', '--online', '--online-every', '1',
                             '--preheat', '0', '--port', str(free_port())], env=jupyter_env(tmp_path/'jupyter'),
                            cwd=tmp_path, stdout=open(log, 'w'), stderr=subprocess.STDOUT)
    try:
        end = time.monotonic() + 90
        while 'online labeling: 0 settled, 4 want another answer' not in log.read_text():
            assert proc.poll() is None and time.monotonic() < end, log.read_text()[-3000:]
            time.sleep(0.2)
        assert 'work pool: 4 items, 4 with room for more answers (online labeling, updated every 1 s)' in log.read_text()
        with SQLiteStore(project/'results'/'annotations.sqlite', task=default_task_name('labels', ['a', 'b'])) as s:
            for who in ('bo', 'cy', 'di'): s.put('im000.png', ['a'], author=who)
            while 'online labeling: 1 settled, 3 want another answer, 3 answers' not in log.read_text():
                assert proc.poll() is None and time.monotonic() < end, log.read_text()[-3000:]
                time.sleep(0.2)
            with Assigner(s) as pool:
                handed = [pool.next_for('eve')]
                while handed[-1] is not None: pool.done(handed[-1], 'eve'); handed.append(pool.next_for('eve'))
        assert sorted(handed[:-1]) == ['im001.png', 'im002.png', 'im003.png'], handed
    finally:
        proc.terminate(); proc.wait(30)
    assert 'Traceback' not in log.read_text(), log.read_text()[-3000:]
