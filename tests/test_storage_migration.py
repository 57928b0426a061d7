"""Opening a database of format version 1 migrates it in place to format 2 (records keyed by task), losing nothing.

`data/annotations_v1.sqlite` was written by the store of format 1 itself (`data/make_v1_db.py`): four authors,
labels for 50 items, a grid written over 5 of them, boxes, video boxes, notes, deletions, undone and redone
changes, a bulk import. `data/annotations_v1.expected.json` holds what each task should hold afterwards.
The tests work on copies; the data files are never opened for writing.
"""
import json, os, shutil, signal, sqlite3, subprocess, sys
from pathlib import Path

import pytest

from ipyannotator import storage
from ipyannotator.storage import AnnotationFileError, SQLiteStore

DATA = Path(__file__).resolve().parent/'data'
EXPECTED = json.loads((DATA/'annotations_v1.expected.json').read_text())
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def v1(tmp_path):
    "A copy of the database of format 1, alone in its folder."
    path = tmp_path/'results'/'annotations.sqlite'
    path.parent.mkdir()
    shutil.copyfile(DATA/'annotations_v1.sqlite', path)
    return path

def _meta(path) -> dict:
    con = sqlite3.connect(f'file:{path}?mode=ro', uri=True)
    try: return dict(con.execute('SELECT key, value FROM meta'))
    finally: con.close()

def _rows(path) -> int:
    con = sqlite3.connect(f'file:{path}?mode=ro', uri=True)
    try: return con.execute('SELECT COUNT(*) FROM history').fetchone()[0]
    finally: con.close()

def _check_expected(s:SQLiteStore, expected=EXPECTED, rename=None):
    "Every value and history length of every task and author in `s` is the expected one (`rename`: legacy task -> its new name)."
    rename = rename or {}
    values = {rename.get(t, t): v for t, v in expected['values'].items()}
    history = {rename.get(t, t): h for t, h in expected['history'].items()}
    assert s.tasks() == sorted(values)
    for task, by_author in values.items():
        assert set(by_author) <= set(s.authors(task))
        for author in s.authors(task):  # and nobody holds anything else in that task
            assert dict(s.items(author, task)) == by_author.get(author, {}), (task, author)
            assert s.count(author, task) == len(by_author.get(author, {}))
        for author, lengths in history[task].items():
            for item, n in lengths.items():
                assert len(s.history(item, author, task)) == n, (task, author, item)


def test_the_data_file_is_of_format_1(v1):
    assert _meta(v1) == {'format': 'ipyannotator annotations', 'version': '1'}  # on a copy: even a reader adds files beside it
    assert _rows(v1) == EXPECTED['rows']


def test_every_value_of_every_task_is_kept(v1):
    with SQLiteStore(v1, author='ada') as s:
        _check_expected(s)
        assert s.tasks() == ['legacy:boxes', 'legacy:grid', 'legacy:labels', 'legacy:other', 'legacy:video']
        # the labels a grid wrote over (format 1 kept only the answer) are back, beside the answers
        assert s.get('img00.jpg', task='legacy:labels') == ['square.jpg'] and s.get('img00.jpg', task='legacy:grid') == {'answer': True}
        assert s.get('img01.jpg', task='legacy:labels') == ['triangle.jpg'] and s.get('img01.jpg', task='legacy:grid') == {'answer': False}
        # a deletion removes the value of the task it removed then: img03's answer, img30's labels
        assert s.get('img03.jpg', task='legacy:labels') == ['circle.jpg'] and s.get('img03.jpg', task='legacy:grid') is None
        assert s.get('img30.jpg', task='legacy:labels') is None and s.get('img30.jpg', task='legacy:grid') is None
        assert s.values('img20.jpg', task='legacy:grid') == {'bob': {'answer': True}}
        assert s.get('vid/f005.jpg', 'carl', 'legacy:video') == {'bbox': [], 'labels': [], 'outside': [1]}
        assert s.get('notes/1.jpg', 'dave', 'legacy:other') == 'blurry'
    assert _rows(v1) == EXPECTED['rows']  # not one change lost
    meta = _meta(v1)
    assert (meta['version'], meta['migrated_from']) == ('2', '1')
    assert json.loads(meta['legacy_tasks']) == sorted(EXPECTED['values'])
    storage._check_sqlite_file(v1)        # a file of format 2 now
    with SQLiteStore(v1, author='ada') as s: _check_expected(s)   # opened again: not migrated twice


def test_undo_and_redo_go_on_after_the_migration(v1):
    with SQLiteStore(v1, author='ada', task='legacy:labels') as s:
        assert [(r.item, r.value) for r in s.undo()] == [('img40.jpg', ['square.jpg'])]
        assert [(r.item, r.value) for r in s.redo()] == [('img40.jpg', ['x.jpg'])]
        assert [(r.item, r.value) for r in s.redo()] == [('img41.jpg', ['y.jpg'])]   # undone before the migration
        assert s.redo() == []
        assert [(r.item, r.value) for r in s.undo(task='legacy:grid')] == [('img03.jpg', {'answer': False})]
        assert s.get('img03.jpg') == ['circle.jpg']                                   # the labels are another task
        assert s.undo('bob') == []                                                    # undo stops at bob's import ...
        assert [(r.item, r.value) for r in s.undo('bob', 'legacy:grid')] == [('img21.jpg', None)]   # ... in the labels only
        assert [(r.item, r.value) for r in s.redo('carl', 'legacy:boxes')] == [('box/b08.jpg', None)]
    with SQLiteStore(v1, author='ada', task='legacy:labels') as s:                     # and all of it survives a reopen
        assert s.get('img41.jpg') == ['y.jpg'] and s.get('img21.jpg', 'bob', 'legacy:grid') is None
        assert [r.item for r in s.undo()] == ['img41.jpg']


def test_claim_legacy_renames_a_task(v1):
    is_labels = lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v)
    items = set().union(*(v.keys() for v in EXPECTED['values']['legacy:labels'].values()))
    with SQLiteStore(v1, author='ada', task='labels') as s:
        assert s.claim_legacy('boxes', 'boxes', is_labels) == 0
        assert s.claim_legacy('labels', 'labels', is_labels) == len(items)
        assert s.claim_legacy('labels', 'labels', is_labels) == 0
        _check_expected(s, rename={'legacy:labels': 'labels'})
        assert [(r.item, r.value) for r in s.undo()] == [('img40.jpg', ['square.jpg'])]
    assert 'legacy:labels' not in json.loads(_meta(v1)['legacy_tasks'])


# --- a migration that does not finish changes nothing -------------------------------------------------------

def _snapshot(folder):
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}

@pytest.mark.parametrize('where', ['copying the history', 'after the old tables are dropped'])
def test_failed_migration_leaves_the_file_byte_identical(v1, monkeypatch, where):
    before = _snapshot(v1.parent)
    if where == 'copying the history':
        kind, calls = storage._legacy_kind, []
        def failing(value):
            calls.append(value)
            if len(calls) == 60: raise RuntimeError('injected failure')
            return kind(value)
        monkeypatch.setattr(storage, '_legacy_kind', failing)
    else: monkeypatch.setattr(storage, '_INDEXES', storage._INDEXES + '; injected failure')
    with pytest.raises((RuntimeError, sqlite3.OperationalError), match='injected'): SQLiteStore(v1)
    assert _snapshot(v1.parent) == before  # same bytes, no file left beside it
    monkeypatch.undo()
    with SQLiteStore(v1) as s: _check_expected(s)

KILLED = r'''
import os, signal, sys
from ipyannotator import storage
kind, calls = storage._legacy_kind, []
def dying(value):
    calls.append(value)
    if len(calls) == 100: os.kill(os.getpid(), signal.SIGKILL)
    return kind(value)
storage._legacy_kind = dying
storage.SQLiteStore(sys.argv[1])
'''

def test_killed_migration_leaves_the_file_unchanged(v1):
    before = v1.read_bytes()
    p = subprocess.run([sys.executable, '-c', KILLED, str(v1)], cwd=ROOT, capture_output=True, text=True)
    assert p.returncode == -signal.SIGKILL, p.stderr
    assert v1.read_bytes() == before       # what the killed transaction wrote is in the WAL, not committed
    with SQLiteStore(v1) as s: _check_expected(s)
    assert _meta(v1)['version'] == '2'

OPENER = r'''
import sys, time
from pathlib import Path
from ipyannotator.storage import SQLiteStore
path, go = sys.argv[1], Path(sys.argv[2])
while not go.exists(): time.sleep(0.001)
with SQLiteStore(path, author='ada') as s: print(s.count(task='legacy:labels'), flush=True)
'''

def test_processes_opening_a_file_of_format_1_at_once_migrate_it_once(v1):
    go = v1.parent.parent/'go'
    procs = [subprocess.Popen([sys.executable, '-c', OPENER, str(v1), str(go)], cwd=ROOT, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(4)]
    go.touch()
    outs = [p.communicate(timeout=60) for p in procs]
    n = len(EXPECTED['values']['legacy:labels']['ada'])
    assert [o for o, _ in outs] == [f'{n}\n'] * 4, [e for _, e in outs]
    assert _rows(v1) == EXPECTED['rows']
    with SQLiteStore(v1) as s: _check_expected(s)


def test_a_file_newer_than_the_code_is_refused(v1):
    con = sqlite3.connect(v1); con.execute("UPDATE meta SET value='3' WHERE key='version'"); con.commit(); con.close()
    before = v1.read_bytes()
    with pytest.raises(AnnotationFileError, match='written by a newer ipyannotator'): SQLiteStore(v1)
    assert v1.read_bytes() == before
