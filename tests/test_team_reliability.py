"""A team on one PostgreSQL server, at the data layer, with a real server (tests/pgserver.py) and real processes.

- Two "app servers" (two processes) with 8 annotators each (threads) label at once through the store and the work
  assignment: nothing acknowledged is lost, no item gets more than `k` annotators, nobody gets an item twice.
  Run twice: each annotator with a connection of their own (as each Voila kernel has), and the 8 annotators of a
  server sharing one store and one assigner (one client per server).
- A client killed with SIGKILL in the middle of its writes leaves no partial step: every step in the database is
  whole, and every acknowledged step is there.
- PostgreSQL restarted in the middle of a session (a clean restart, then a crash restart): the calls wait for it,
  nothing acknowledged is lost; a server away for longer than `retry_for` gives a clear "database is away" error.
"""
import json, os, signal, subprocess, sys, threading, time
from collections import Counter
from pathlib import Path

import pytest

from pgserver import pg_server, pg_url  # noqa: F401 (fixtures)

ROOT = Path(__file__).resolve().parents[1]


def _python(code, *args, **kw):
    return subprocess.Popen([sys.executable, '-c', code, *map(str, args)], cwd=ROOT, text=True, **kw)


# --- 16 annotators, two app servers ---------------------------------------------------------------

APP_SERVER = r'''
import json, sys, threading, time
from pathlib import Path
from ipyannotator.postgres import PostgresStore
from ipyannotator.assign import Assigner
url, server, mode, go = sys.argv[1], sys.argv[2], sys.argv[3], Path(sys.argv[4])
K = 3
shared = (PostgresStore(url, task='labels'), None) if mode == 'shared' else None
if shared: shared = (shared[0], Assigner(shared[0], overlap=K, lease=120))
acked, lock = [], threading.Lock()
def annotator(name):
    store, assigner = shared or (PostgresStore(url, task='labels'), None)
    assigner = assigner or Assigner(store, overlap=K, lease=120)
    while (item := assigner.next_for(name)) is not None:
        store.put(item, [f'{name}:{item}'], author=name)   # the answer is saved: acknowledged
        assigner.done(item, name)
        with lock: acked.append((item, name))
print('ready', flush=True)
while not go.exists(): time.sleep(0.005)
threads = [threading.Thread(target=annotator, args=(f'{server}-a{i}',)) for i in range(8)]
for t in threads: t.start()
for t in threads: t.join()
print(json.dumps(acked), flush=True)
'''

@pytest.mark.parametrize('mode', ['own', 'shared'])
def test_sixteen_annotators_on_two_app_servers(pg_url, tmp_path, mode):
    from ipyannotator.postgres import PostgresStore
    from ipyannotator.assign import Assigner
    n_items, k = 150, 3
    with PostgresStore(pg_url, task='labels') as store, Assigner(store, overlap=k) as a:
        a.add_items(f'img{i:03d}.jpg' for i in range(n_items))
    go = tmp_path/'go'
    servers = [_python(APP_SERVER, pg_url, name, mode, go, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for name in ('s1', 's2')]
    for p in servers: assert p.stdout.readline() == 'ready\n', p.stderr.read()
    go.touch()
    acked = []
    for p in servers:
        out, err = p.communicate(timeout=240)
        assert p.returncode == 0, err
        acked += [tuple(x) for x in json.loads(out)]
    with PostgresStore(pg_url, task='labels') as store, Assigner(store, overlap=k) as a:
        records = list(store.records())
        got = {(r.item, r.author) for r in records}
        assert set(acked) <= got, 'an acknowledged answer is missing'
        assert all(r.value == [f'{r.author}:{r.item}'] for r in records)
        per_item = Counter(r.item for r in records)
        assert set(per_item.values()) == {k} and len(per_item) == n_items   # every item has exactly k annotators
        assert len(acked) == len(set(acked)) == n_items * k                    # nobody got an item twice
        assert len({w for _, w in acked}) == 16 and {w[:2] for _, w in acked} == {'s1', 's2'}   # both servers worked
        assert a.status() == {'items': n_items, 'open': 0, 'held': 0, 'done': n_items * k, 'returned': 0, 'skipped': 0}


# --- kill -9 mid-write ------------------------------------------------------------------------------

KILLED_CLIENT = r'''
import sys
from ipyannotator.postgres import PostgresStore
s = PostgresStore(sys.argv[1], author='ada')
for k in range(100000):
    if k % 10 == 5: n = s.put_many([(f'bulk{k}/{i:04d}.jpg', [k]) for i in range(3000)]); assert n == 3000
    else: s.apply({f'item{i:02d}.jpg': [k] for i in range(20)})
    print(k, flush=True)   # the step returned: acknowledged
'''

def test_kill_9_mid_write_leaves_no_partial_step(pg_url):
    from ipyannotator.postgres import PostgresStore
    for kill_after in (3, 14, 27):   # the client dies at a different point each time, in a small step or in an import
        p = _python(KILLED_CLIENT, pg_url, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        acked = -1
        while acked < kill_after:
            line = p.stdout.readline()
            assert line, p.stderr.read()
            acked = int(line)
        time.sleep(0.05 * (kill_after % 3))   # into the next step
        os.kill(p.pid, signal.SIGKILL)
        rest = p.stdout.read().split()
        p.wait()
        assert p.returncode == -signal.SIGKILL
        acked = int(rest[-1]) if rest else acked
        with PostgresStore(pg_url, author='ada') as s:
            rows = s._all('SELECT step, COUNT(*), MIN(value), MAX(value) FROM history GROUP BY step')
            for step, n, lo, hi in rows:
                k = json.loads(lo)[0]
                assert lo == hi and n == (3000 if k % 10 == 5 else 20), f'step {step} (k={k}) is partial: {n} rows'
            steps = {json.loads(lo)[0] for _, _, lo, _ in rows}
            assert set(range(acked + 1)) <= steps, 'an acknowledged step is missing'
            cur = dict(s.items())
            last_small = max(k for k in steps if k % 10 != 5)
            assert all(cur[f'item{i:02d}.jpg'] == [last_small] for i in range(20))   # current follows the history, whole
        with PostgresStore(pg_url, author='ada') as s:
            s._db.run(lambda con, n: con.execute('DELETE FROM history; DELETE FROM current'))


# --- PostgreSQL restarted mid-session ---------------------------------------------------------------

def test_restart_mid_session_loses_no_acknowledged_answer(pg_server, pg_url):
    from ipyannotator.postgres import PostgresStore, DatabaseAway
    from ipyannotator.assign import Assigner
    with PostgresStore(pg_url, task='labels') as s, Assigner(s, overlap=1) as a:
        a.add_items(f'img{i:04d}.jpg' for i in range(5000))
    acked, errors, stop = [], [], threading.Event()
    def annotator(name):
        try:
            with PostgresStore(pg_url, task='labels', retry_for=30) as s, Assigner(s, overlap=1) as a:
                while not stop.is_set():
                    item = a.next_for(name)
                    s.put(item, [name], author=name); a.done(item, name)
                    acked.append((item, name))
        except Exception as e: errors.append(e)
    threads = [threading.Thread(target=annotator, args=(f'a{i}',)) for i in range(4)]
    for t in threads: t.start()
    def wait_for(n):
        end = time.time() + 60
        while len(acked) < n and time.time() < end and not errors: time.sleep(0.01)
    wait_for(50)
    pg_server.restart(down=1.0, mode='fast')        # a clean restart: open transactions are rolled back
    wait_for(len(acked) + 50)
    pg_server.restart(down=0.5, mode='immediate')   # as a crash: the server recovers from its write-ahead log
    wait_for(len(acked) + 50)
    stop.set()
    for t in threads: t.join()
    assert not errors, errors
    with PostgresStore(pg_url, task='labels') as s:
        got = {(r.item, r.author) for r in s.records()}
    assert len(acked) > 150 and set(acked) <= got
    assert len({i for i, _ in acked}) == len(acked)  # overlap 1: no item twice, across both restarts

    s = PostgresStore(pg_url, task='labels', retry_for=1.5)
    pg_server.stop()
    try:
        t = time.monotonic()
        with pytest.raises(DatabaseAway, match=r'the database is away: postgresql://postgres@127\.0\.0\.1:\d+/postgres\?schema=\w+ did not answer for 2 s'):
            s.put('late.jpg', ['x'], author='ada')
        assert 1.4 < time.monotonic() - t < 10
    finally: pg_server.start()
    assert s.put('late.jpg', ['x'], author='ada').value == ['x']   # and it goes on once the server is back
    s.close()
