"""Crash and concurrency tests of ipyannotator.storage, with real processes.

- A writer killed by SIGKILL right after it reported a write loses no acknowledged write (both stores).
- Four processes writing one SQLite database at once lose no write.
- Two processes writing two tasks on the same items at once, under one author, keep each task's values apart.
- A damaged or foreign annotation file is refused with its name and position, and left byte-for-byte as it was.
"""
import json, os, random, signal, sqlite3, subprocess, sys, time
from pathlib import Path

import pytest

from ipyannotator.storage import AnnotationFileError, JSONStore, SQLiteStore, read_annotations_json, import_json

ROOT = Path(__file__).resolve().parents[1]
STORES = {'sqlite': (SQLiteStore, 'annotations.sqlite'), 'json': (JSONStore, 'annotations.json')}


def _python(code, *args, **kw):
    return subprocess.Popen([sys.executable, '-c', code, *map(str, args)], cwd=ROOT, text=True, **kw)


# --- killed writer ---------------------------------------------------------------------------------

def _ops(n=100_000, seed=0):
    "The writer's operations: an import, then puts, overwrites and deletes on a pool of 30 items."
    rnd = random.Random(seed)
    yield ('put_many', [(f'img{i:02d}.jpg', ['cat', i]) for i in range(10)])
    for k in range(n):
        item, r = f'img{rnd.randrange(30):02d}.jpg', rnd.random()
        yield ('delete', item) if r < 0.1 else ('undo', None) if r < 0.15 else ('put', item, ['dog', k])

WRITER = r'''
import sys
from ipyannotator.storage import SQLiteStore, JSONStore
sys.path.insert(0, sys.argv[3]); from test_storage_durability import _ops
kind, path = sys.argv[1], sys.argv[2]
s = SQLiteStore(path, author='ada') if kind == 'sqlite' else JSONStore(path, author='ada', compact_every=25)
for n, (op, *args) in enumerate(_ops()):
    getattr(s, op)(*args)
    print(n, flush=True)  # the operation returned: it is acknowledged
'''

def _replay(ops):
    "The state a store must hold after `ops`, computed on a fresh in-memory model."
    cur, undo = {}, []
    for op, *args in ops:
        if op == 'put_many':
            for item, v in args[0]: cur[item] = v
            undo.clear()  # undo does not go past an import
        elif op == 'put':
            item, v = args
            if cur.get(item) != v: undo.append((item, cur.get(item))); cur[item] = v
        elif op == 'delete':
            if args[0] in cur: undo.append((args[0], cur.pop(args[0])))
        elif undo:
            item, v = undo.pop()
            if v is None: cur.pop(item, None)
            else: cur[item] = v
    return cur

@pytest.mark.parametrize('kind', STORES)
def test_acknowledged_writes_survive_sigkill(kind, tmp_path):
    cls, name = STORES[kind]
    ops = list(_ops(3000))
    for kill_after in (5, 60, 400):  # the process dies at a different point in each round
        path = tmp_path/str(kill_after)/name
        p = _python(WRITER, kind, path, ROOT/'tests', stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        acked = 0
        while acked < kill_after:
            line = p.stdout.readline()
            assert line, p.stderr.read()
            acked = int(line) + 1
        os.kill(p.pid, signal.SIGKILL)
        rest = p.stdout.read().split()  # reported before the kill landed: acknowledged as well
        p.wait()
        assert p.returncode == -signal.SIGKILL
        acked = int(rest[-1]) + 1 if rest else acked
        with cls(path, author='ada') as s:
            got = dict(s.items())
            # the operation in flight when the process died may or may not have landed; nothing else may differ
            assert got in (_replay(ops[:acked]), _replay(ops[:acked + 1])), f'lost writes after {acked} acknowledged operations'
            s.put('after.jpg', ['ok'])
        with cls(path, author='ada') as s:  # the store goes on working after the crash
            assert s.get('after.jpg') == ['ok']
            assert dict(s.items()) == {**got, 'after.jpg': ['ok']}


# --- several writers at once -----------------------------------------------------------------------

CONCURRENT = r'''
import sys, time
from pathlib import Path
from ipyannotator.storage import SQLiteStore
path, idx, go = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3])
s = SQLiteStore(path, author=f'a{idx}')
print('ready', flush=True)
while not go.exists(): time.sleep(0.001)
for k in range(200):
    s.put(f'shared{k % 50:02d}.jpg', [idx, k])             # the same items as the others, under its own name
    s.put(f'p{idx}/{k:03d}.jpg', [idx, k], author='team')  # one author for all, each its own items
    if k % 20 == 19: s.undo(); s.redo()
s.close()
print('done', flush=True)
'''

def test_four_processes_write_one_sqlite_store(tmp_path):
    path, go, n = tmp_path/'annotations.sqlite', tmp_path/'go', 4
    procs = [_python(CONCURRENT, path, i, go, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for i in range(n)]
    for p in procs: assert p.stdout.readline() == 'ready\n', p.stderr.read()
    go.touch()
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0 and out == 'done\n', err
    with SQLiteStore(path) as s:
        for i in range(n):
            assert s.count(f'a{i}') == 50
            for j in range(50):
                assert [r.value for r in s.history(f'shared{j:02d}.jpg', f'a{i}')] == [[i, k] for k in range(j, 200, 50)]
        assert dict(s.items('team')) == {f'p{i}/{k:03d}.jpg': [i, k] for i in range(n) for k in range(200)}
        assert s.authors() == sorted([f'a{i}' for i in range(n)] + ['team'])
    con = sqlite3.connect(path)
    assert con.execute('SELECT COUNT(*) FROM history WHERE undone=0').fetchone()[0] == n * 400
    con.close()


TWO_TASKS = r"""
import sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[4]); from test_storage_durability import _grid_steps
from ipyannotator.storage import SQLiteStore
path, task, go = sys.argv[1], sys.argv[2], Path(sys.argv[3])
s = SQLiteStore(path, author='ada', task=task)  # one author for both: only the task keeps them apart
print('ready', flush=True)
while not go.exists(): time.sleep(0.001)
for k, step in enumerate(_grid_steps() if task == 'grid' else ({f'img{k % 50:02d}.jpg': [f'labels-{k}']} for k in range(200))):
    s.apply(step)
    if k % 20 == 19: s.undo(); s.redo()
s.close()
print('done', flush=True)
"""

def _grid_steps():
    "The grid's steps: each answers two items of the 50 the labels write too."
    for k in range(200): yield {f'img{k % 50:02d}.jpg': {'answer': k % 2 == 0}, f'img{(k + 7) % 50:02d}.jpg': {'answer': k % 3 == 0}}

def test_two_processes_write_two_tasks_on_the_same_items(tmp_path):
    path, go = tmp_path/'annotations.sqlite', tmp_path/'go'
    procs = [_python(TWO_TASKS, path, task, go, ROOT/'tests', stdout=subprocess.PIPE, stderr=subprocess.PIPE) for task in ('labels', 'grid')]
    for p in procs: assert p.stdout.readline() == 'ready\n', p.stderr.read()
    go.touch()
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0 and out == 'done\n', err
    grid, lengths = {}, {}
    for step in _grid_steps():
        for item, v in step.items():
            if grid.get(item) != v: grid[item], lengths[item] = v, lengths.get(item, 0) + 1
    with SQLiteStore(path, author='ada', task='labels') as s:
        assert s.tasks() == ['grid', 'labels']
        assert dict(s.items()) == {f'img{j:02d}.jpg': [f'labels-{150 + j}'] for j in range(50)}
        assert dict(s.items(task='grid')) == grid
        for j in range(50):
            item = f'img{j:02d}.jpg'
            assert [r.value for r in s.history(item)] == [[f'labels-{k}'] for k in range(j, 200, 50)]
            assert len(s.history(item, task='grid')) == lengths[item]
        assert [r.item for r in s.undo()] == ['img49.jpg'] and s.get('img49.jpg', task='grid') == grid['img49.jpg']
        assert [r.item for r in s.undo(task='grid')] == ['img49.jpg', 'img06.jpg'] and s.get('img06.jpg') == ['labels-156']


# --- files that cannot be read -----------------------------------------------------------------------

def _foreign_sqlite(path):
    con = sqlite3.connect(path); con.execute('CREATE TABLE notes (id INTEGER, text TEXT)')
    con.execute("INSERT INTO notes VALUES (1, 'mine')"); con.commit(); con.close()

BAD = [  # opener, file name, content (bytes, or a function making the file), what the message says
    ('json', 'annotations.json', b'{"a.jpg": ["cat"],\n  "b.jpg": ["dog"]\n  "c.jpg": []}', 'line 3 column 3: bad JSON'),
    ('json', 'annotations.json', b'[{"a.jpg": ["cat"]}]', 'top level: expected a JSON object'),
    ('json', 'annotations.json', b'', 'line 1 column 1: the file is empty'),
    ('json', 'annotations.json', b'\xff\xfe{}', 'byte 0: not UTF-8 text'),
    ('read', 'annotations.json', b'{"a.jpg": ["cat"], "a.jpg": ["dog"], "./a.jpg": ["cow"]}', "key './a.jpg': names the same item 'a.jpg'"),
    ('import', 'annotations.json', b'{"a.jpg": ["cat"]', 'line 1 column 18: bad JSON'),
    ('sqlite', 'annotations.sqlite', b'{"a.jpg": ["cat"]}', 'byte 0: not a SQLite database'),
    ('sqlite', 'annotations.sqlite', b'SQLite format 3\x00' + bytes(range(256)) * 8, 'header: damaged SQLite database'),
    ('sqlite', 'annotations.sqlite', _foreign_sqlite, 'table list: a SQLite database of another program (tables: notes)'),
]

def _open(opener, path, tmp_path):
    if opener == 'json': JSONStore(path)
    elif opener == 'sqlite': SQLiteStore(path)
    elif opener == 'read': read_annotations_json(path)
    else:
        with SQLiteStore(tmp_path/'other'/'store.sqlite') as s: import_json(s, path)

def _snapshot(folder):
    return {p.relative_to(folder): (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(folder.rglob('*')) if p.is_file()}

@pytest.mark.parametrize('opener,name,content,message', BAD, ids=[f'{b[0]}-{b[3][:20]}' for b in BAD])
def test_bad_file_is_refused_and_left_untouched(opener, name, content, message, tmp_path):
    folder = tmp_path/'results'; folder.mkdir()
    path = folder/name
    if callable(content): content(path)
    else: path.write_bytes(content)
    before = _snapshot(folder)
    with pytest.raises(AnnotationFileError) as e: _open(opener, path, tmp_path)
    assert str(path) in str(e.value) and message in str(e.value), str(e.value)
    assert 'left unchanged' in str(e.value)
    assert _snapshot(folder) == before  # same bytes, same times, no file added (no journal, no -wal)

def test_bad_journal_is_refused_and_left_untouched(tmp_path):
    path = tmp_path/'annotations.json'
    with JSONStore(path, author='ada') as s: s.put('a.jpg', ['cat'])
    journal = path.with_name('annotations.json.journal')
    journal.write_bytes(b'{"item": "b.jpg", "value": ["dog"], "time": 1.0}\nnot json\n{"item": "c.jpg", "value": null, "time": 2.0}\n')
    before = _snapshot(tmp_path)
    with pytest.raises(AnnotationFileError, match=r'annotations\.json\.journal, line 2: not a journal entry'):
        JSONStore(path, author='ada')
    assert _snapshot(tmp_path) == before
