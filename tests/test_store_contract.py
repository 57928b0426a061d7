"""The `Store` contract, one suite for every store: SQLite, JSON (the parts that apply: one author, one task, history for
the session) and PostgreSQL (a real server that tests/pgserver.py starts; no mocks).

Each test takes `make`, a function that opens the store of one project (the same project on every call of one test),
and checks behaviour every store must share. A last test replays one seeded sequence of random operations on each
store and compares every result with the SQLite store's, the reference.
"""
import json, math, random, threading, time
from pathlib import Path

import numpy as np
import pytest

from ipyannotator.storage import JSONStore, SQLiteStore
from pgserver import missing, pg_server, fresh_url  # noqa: F401 (pg_server is a fixture)

KINDS = ['sqlite', 'json', 'postgres']


@pytest.fixture(params=KINDS)
def kind(request):
    if request.param == 'postgres': request.getfixturevalue('pg_server')
    return request.param


@pytest.fixture
def make(kind, tmp_path):
    "Open the store of this test's project: make(author=None, task='default', **kw)."
    url, opened = fresh_url() if kind == 'postgres' else None, []
    def open_(author='ada', task='default', **kw):
        if kind == 'sqlite': s = SQLiteStore(tmp_path/'annotations.sqlite', author=author, task=task, **kw)
        elif kind == 'json': s = JSONStore(tmp_path/'annotations.json', author=author, task=task, **kw)
        else:
            from ipyannotator.postgres import PostgresStore
            s = PostgresStore(url, author=author, task=task, **kw)
        opened.append(s)
        return s
    open_.kind = kind
    yield open_
    for s in opened:
        try: s.close()
        except Exception: pass


def needs(make, *what):
    "Skip unless the store of `make` has each of `what`: 'authors' (several), 'tasks' (several), 'lasting' (history kept)."
    if make.kind == 'json' and what: pytest.skip(f"the JSON store has one author, one task and a history for the session ({', '.join(what)})")


# --- values ----------------------------------------------------------------------------------------

def test_put_get_delete(make):
    s = make()
    r = s.put('cat/1.jpg', ['cat'])
    assert (r.item, r.author, r.value, r.task) == ('cat/1.jpg', 'ada', ['cat'], 'default')
    assert abs(r.time - time.time()) < 60
    assert s.get('cat/1.jpg') == ['cat'] and s.get('cat/2.jpg') is None
    assert s.put('cat/1.jpg', ['cat']).time == r.time          # the same value again changes nothing
    assert s.delete('cat/1.jpg').value is None
    assert s.get('cat/1.jpg') is None and s.delete('cat/1.jpg') is None


@pytest.mark.parametrize('value', [[], {}, '', {'bbox': [], 'labels': []}, ['é', 'ß'], {'x': 1.5, 'n': None, 'b': True},
                                   [[1, 2], {'deep': ['x']}]])
def test_values_round_trip(make, value):
    s = make()
    assert s.put('a.jpg', value).value == value
    assert s.get('a.jpg') == value and s.is_annotated('a.jpg')   # an empty answer is a value


def test_numpy_values_become_plain_json(make):
    s = make()
    s.put('a.jpg', {'x': np.int64(3), 'm': np.array([1, 2])})
    assert s.get('a.jpg') == {'x': 3, 'm': [1, 2]}


@pytest.mark.parametrize('call, message', [
    (lambda s: s.put('a.jpg', None), "use delete('a.jpg')"),
    (lambda s: s.put('a.jpg', {'x': math.nan}), "the annotation of 'a.jpg' must be JSON data"),
    (lambda s: s.put('a.jpg', {1, 2}), 'set is not JSON data'),
    (lambda s: s.put('', ['x']), 'an item id must be a non-empty str'),
    (lambda s: s.put(3, ['x']), 'got 3'),
    (lambda s: s.put('a.jpg', ['x'], task=''), 'a task must be a non-empty str'),
    (lambda s: s.put_many([('a.jpg', None)]), "use delete('a.jpg')"),
])
def test_refused_values_name_the_item(make, call, message):
    s = make()
    with pytest.raises(ValueError, match=message.replace('(', r'\(').replace(')', r'\)')): call(s)
    assert s.get('a.jpg') is None


def test_refused_author(make):
    needs(make, 'authors')
    with pytest.raises(ValueError, match="an author must be a non-empty str, got ''"): make().put('a.jpg', ['x'], author='')


# --- steps -----------------------------------------------------------------------------------------

def test_apply_writes_what_changes_as_one_step(make):
    s = make()
    s.put('1.jpg', {'answer': True})
    recs = s.apply({'1.jpg': {'answer': True}, '2.jpg': {'answer': False}, '3.jpg': {'answer': True}})
    assert [(r.item, r.value) for r in recs] == [('2.jpg', {'answer': False}), ('3.jpg', {'answer': True})]
    assert [(r.item, r.value) for r in s.apply([('1.jpg', None), ('2.jpg', None), ('4.jpg', None)])] == [('1.jpg', None), ('2.jpg', None)]
    assert s.apply({'3.jpg': {'answer': True}}) == []
    with pytest.raises(ValueError, match="the annotation of '6.jpg'"): s.apply({'5.jpg': ['ok'], '6.jpg': {1}})
    assert s.get('5.jpg') is None                              # whole or not at all
    assert s.apply([('7.jpg', ['a']), ('7.jpg', ['b'])])[0].value == ['b']   # an item named twice keeps its last value


def test_put_many_is_an_import(make):
    s = make()
    assert s.put_many([('1.jpg', ['cat']), ('2.jpg', ['dog'])]) == 2
    assert s.put_many([('1.jpg', ['cat']), ('3.jpg', ['dog'])]) == 1
    with pytest.raises(ValueError, match="the annotation of '5.jpg'"): s.put_many([('4.jpg', ['cat']), ('5.jpg', {1})])
    assert s.get('4.jpg') is None
    assert s.undo() == []                                      # undo stops at an import
    assert s.count() == 3


def test_undo_redo(make):
    s = make()
    assert s.undo() == [] and s.redo() == []
    s.put('1.jpg', ['cat']); s.put('1.jpg', ['dog']); s.put('2.jpg', ['cat'])
    assert [r.item for r in s.undo()] == ['2.jpg'] and s.get('2.jpg') is None
    [r] = s.undo()
    assert (r.item, r.value) == ('1.jpg', ['cat'])
    assert [r.value for r in s.redo()] == [['dog']]
    assert s.get('1.jpg') == ['dog']


def test_a_step_of_several_items_is_undone_whole(make):
    s = make(task='grid')
    s.put('1.jpg', {'answer': False})
    s.apply({'1.jpg': {'answer': True}, '2.jpg': {'answer': True}, '3.jpg': {'answer': False}})
    assert [(r.item, r.value) for r in s.undo()] == [('1.jpg', {'answer': False}), ('2.jpg', None), ('3.jpg', None)]
    assert [(r.item, r.value) for r in s.redo()] == [('1.jpg', {'answer': True}), ('2.jpg', {'answer': True}), ('3.jpg', {'answer': False})]
    assert s.redo() == []
    assert len(s.undo()) == 3 and len(s.undo()) == 1 and s.undo() == []


def test_new_step_clears_redo_and_undo_restores_deletions(make):
    s = make()
    s.put('1.jpg', ['cat']); s.put('2.jpg', ['cat']); s.undo()
    s.put('3.jpg', ['dog'])
    assert s.redo() == []
    s.delete('1.jpg')
    assert [r.value for r in s.undo()] == [['cat']]


def test_history_of_an_item(make):
    s = make()
    s.put('1.jpg', ['cat']); s.put('1.jpg', ['dog']); s.delete('1.jpg')
    assert [h.value for h in s.history('1.jpg')] == [['cat'], ['dog'], None]
    s.undo()
    assert [h.value for h in s.history('1.jpg')] == [['cat'], ['dog']]
    assert s.history('nothing.jpg') == []


def test_undo_survives_reopening(make):
    needs(make, 'lasting')
    s = make(); s.put('1.jpg', ['cat']); s.apply({'1.jpg': ['dog'], '2.jpg': ['dog']}); s.undo(); s.close()
    s = make()
    assert (s.get('1.jpg'), s.get('2.jpg')) == (['cat'], None)
    assert [r.value for r in s.redo()] == [['dog'], ['dog']]
    assert [r.value for r in s.undo()] == [['cat'], None]
    assert [r.value for r in s.undo()] == [None] and s.undo() == []


def test_values_survive_reopening(make):
    s = make(); s.put_many([('1.jpg', ['cat'])]); s.put('2.jpg', []); s.delete('1.jpg'); s.put('3.jpg', ['x']); s.close()
    s = make()
    assert dict(s.items()) == {'2.jpg': [], '3.jpg': ['x']}


# --- listing ---------------------------------------------------------------------------------------

def test_listing_reads_in_pages(make):
    s = make()
    ids = [f'img{i:04d}.jpg' for i in range(2500)]
    s.put_many((i, ['cat']) for i in ids[::2])
    assert s.count() == 1250
    assert list(s.annotated()) == ids[::2]                     # three pages of 1000
    assert next(s.items()) == ('img0000.jpg', ['cat'])
    assert [r.item for r in s.records()] == ids[::2]
    assert list(s.not_annotated(ids))[:3] == ['img0001.jpg', 'img0003.jpg', 'img0005.jpg']
    lazy = s.not_annotated(f'img{i:04d}.jpg' for i in range(10**9))   # an endless source is fine
    assert [next(lazy), next(lazy)] == ['img0001.jpg', 'img0003.jpg']
    assert s.is_annotated('img0000.jpg') and not s.is_annotated('img0001.jpg')
    s.put('img0007.jpg', ['dog'])
    assert s.last_item() == 'img0007.jpg'
    assert s.tasks() == ['default'] and s.authors() == ['ada']
    assert s.values('img0002.jpg') == {'ada': ['cat']}


def test_bulk_reads_agree_with_the_generic_ones(make):
    "The one-query reads of a store (`get_many`, `texts`, `annotated`, `not_annotated`) say what `Store`'s item-by-item ones say."
    from ipyannotator.storage import Store
    s = make()
    box = {'bbox': [{'x': 1, 'y': 2, 'width': 3, 'height': 4}], 'labels': [['car']]}
    ids = [f'img{i:05d}.jpg' for i in range(0, 30_000, 3)]
    s.put_many([*((i, ['cat']) for i in ids), ('b.jpg', box), ('c.jpg', {'answer': True}), ('é.jpg', {'labels': None})])
    asked = ['x.jpg', 'c.jpg', *reversed(ids[:1200]), 'b.jpg', 'img00001.jpg']
    assert s.get_many(asked) == Store.get_many(s, asked)
    dense = [*ids[2000:2600:2], 'img06001.jpg']      # many from one stretch of the index (read as one range), one absent
    assert s.get_many(dense) == Store.get_many(s, dense) and len(s.get_many(dense)) == 300
    assert list(s.not_annotated(asked + ['zz.jpg'])) == ['x.jpg', 'img00001.jpg', 'zz.jpg']
    assert list(s.annotated()) == list(Store.annotated(s)) == sorted([*ids, 'b.jpg', 'c.jpg', 'é.jpg'])
    for field in (None, 'labels', 'answer'):
        got = [(i, json.loads(t)) for i, t in s.texts(field=field)]
        assert got == [(i, json.loads(t)) for i, t in Store.texts(s, field=field)], field


def test_class_items_follow_every_write(make):
    "The class index answers as `value_classes` over the current values, after any write."
    from ipyannotator.storage import Store
    s = make()
    boxes = lambda *ls: {'bbox': [{'x': 0, 'y': 0, 'width': 1, 'height': 1}] * len(ls), 'labels': [list(l) for l in ls]}
    def same():
        for cls in ('cat', 'dog', 'car', 'bus', 'sky', '#0', '#1'): assert s.class_items(cls) == Store.class_items(s, cls), cls
    s.put_many([('a.jpg', ['cat']), ('b.jpg', ['cat', 'dog']), ('c.jpg', boxes(['car'], ['bus', 'car'])), ('d.jpg', [])])
    assert s.class_items('cat') == [('a.jpg', 0), ('b.jpg', 0)]
    assert s.class_items('car') == [('c.jpg', 0), ('c.jpg', 1)]
    same()
    s.put('a.jpg', ['dog']); same()
    s.apply({'b.jpg': None, 'd.jpg': ['cat'], 'c.jpg': boxes(['bus'])}); same()
    assert (s.class_items('cat'), s.class_items('car')) == ([('d.jpg', 0)], [])
    s.undo(); same()
    assert s.class_items('car') == [('c.jpg', 0), ('c.jpg', 1)]
    s.redo(); same()
    s.delete('d.jpg'); same()
    assert s.class_items('cat') == []
    s.put('e.jpg', {'polygons': [{'label': 'sky', 'points': [[0, 0], [2, 0], [0, 2]]}, {'label': 'cat', 'points': []}]}); same()
    s.put('f.jpg', {'masks': [{'label': 'cat', 'rle': {'size': [2, 2], 'counts': [4]}}, {'rle': {}}]}); same()
    assert (s.class_items('sky'), s.class_items('cat')) == ([('e.jpg', 0)], [('e.jpg', 1), ('f.jpg', 0)])
    s.put('e.jpg', {'polygons': []}); same()
    s.put('g.jpg', {'keypoints': [{'points': [[1, 2, 2], [0, 0, 0]]}, {'points': [[3, 4, 1], [5, 6, 2]]}]}); same()
    assert (s.class_items('#0'), s.class_items('#1')) == ([('g.jpg', 0), ('g.jpg', 2)], [('g.jpg', 3)])
    s.close()
    s = make()
    assert s.class_items('bus') == [('c.jpg', 0)]                 # kept with the values


def test_an_index_of_an_older_rule_is_made_again(make):
    "A store whose class index follows an older `value_classes` (before shapes) builds it again when it is opened."
    if make.kind == 'json': pytest.skip('the JSON store lists classes from its values')
    s = make()
    s.put_many([('a.jpg', ['cat']), ('b.jpg', {'polygons': [{'label': 'cat', 'points': []}, {'label': 'dog', 'points': []}]})])
    older = ["DELETE FROM classes WHERE item = 'b.jpg'", "DELETE FROM meta WHERE key = 'class_index'"]
    if make.kind == 'sqlite':
        import sqlite3
        con = sqlite3.connect(s.path); [con.execute(sql) for sql in older]; con.commit(); con.close()
    else: s._db.run(lambda con, n: [con.execute(sql) for sql in older], write=True)
    s.close()
    s = make()
    assert (s.class_items('cat'), s.class_items('dog')) == ([('a.jpg', 0), ('b.jpg', 0)], [('b.jpg', 1)])


def test_class_items_keep_tasks_and_authors_apart(make):
    needs(make, 'authors', 'tasks')
    s = make()
    s.put('1.jpg', ['cat']); s.put('1.jpg', ['cat'], author='bob'); s.put('2.jpg', ['cat'], task='other')
    assert (s.class_items('cat'), s.class_items('cat', author='bob'), s.class_items('cat', task='other')) == (
        [('1.jpg', 0)], [('1.jpg', 0)], [('2.jpg', 0)])
    s.delete('1.jpg', author='bob')
    assert (s.class_items('cat'), s.class_items('cat', author='bob')) == ([('1.jpg', 0)], [])


def test_items_sort_as_python_sorts(make):
    s = make()
    names = ['apple.jpg', 'Zebra.jpg', 'é.jpg', 'z.jpg', 'a b.jpg', 'a/b.jpg', 'a-b.jpg']
    s.put_many((n, []) for n in names)
    assert list(s.annotated()) == sorted(names)


def test_empty_store(make):
    s = make()
    assert (s.count(), list(s.items()), list(s.records()), s.tasks(), s.authors(), s.last_item()) == (0, [], [], [], [], None)


def test_authors_are_kept_apart(make):
    needs(make, 'authors')
    ada, bob = make('ada'), make('bob')
    ada.put('1.jpg', ['cat']); bob.put('1.jpg', ['dog']); bob.put('2.jpg', ['dog'])
    assert ada.values('1.jpg') == {'ada': ['cat'], 'bob': ['dog']}
    assert (ada.count(), bob.count(), ada.count('bob')) == (1, 2, 2)
    assert [r.value for r in ada.undo()] == [None]             # her step, not bob's later ones
    assert bob.get('2.jpg') == ['dog'] and ada.authors() == ['ada', 'bob']
    assert [(r.item, r.author) for r in ada.records()] == [('1.jpg', 'bob'), ('2.jpg', 'bob')]


def test_tasks_are_kept_apart(make):
    needs(make, 'tasks')
    labels, grid = make(task='labels'), make(task='grid')
    labels.put('1.jpg', ['square.jpg']); labels.put('2.jpg', ['circle.jpg'])
    grid.put('1.jpg', {'answer': False}); grid.put('3.jpg', {'answer': True}, author='bob')
    assert (labels.get('1.jpg'), grid.get('1.jpg'), labels.get('1.jpg', task='grid')) == (['square.jpg'], {'answer': False}, {'answer': False})
    assert (labels.count(), grid.count(), grid.count('bob')) == (2, 1, 1)
    assert [r.value for r in grid.undo()] == [None]
    assert labels.get('1.jpg') == ['square.jpg'] and labels.tasks() == ['grid', 'labels']
    assert labels.last_item() == '2.jpg'


def test_json_store_refuses_a_second_author_and_task(make):
    if make.kind != 'json': pytest.skip('the JSON store only')
    s = make()
    with pytest.raises(ValueError, match="holds the annotations of 'ada' only"): s.put('a.jpg', ['x'], author='bob')
    with pytest.raises(ValueError, match="not of 'grid'"): s.put('a.jpg', ['x'], task='grid')


def test_claim_legacy_of_a_new_project_claims_nothing(make):
    assert make().claim_legacy('default', 'labels', lambda v: True) == 0


def test_closed_store_refuses_calls(make):
    s = make(); s.close()
    with pytest.raises(Exception, match='(?i)closed'): s.put('a.jpg', ['x'])


# --- several writers -------------------------------------------------------------------------------

def test_several_writers_lose_nothing(make):
    needs(make, 'authors')
    def work(idx):
        s = make(f'a{idx}')
        for k in range(30):
            s.put(f'shared{k % 10}.jpg', [idx, k])
            s.put(f'p{idx}/{k:02d}.jpg', [idx, k], author='team')
            if k % 10 == 9: s.undo(); s.redo()
    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads: t.start()
    for t in threads: t.join()
    s = make()
    for i in range(4):
        assert s.count(f'a{i}') == 10
        assert [r.value for r in s.history('shared3.jpg', f'a{i}')] == [[i, k] for k in range(3, 30, 10)]
    assert dict(s.items('team')) == {f'p{i}/{k:02d}.jpg': [i, k] for i in range(4) for k in range(30)}


# --- the same answers as the reference --------------------------------------------------------------

def _random_ops(n, seed, authors, tasks):
    rnd = random.Random(seed)
    items = [f'{c}{i}.jpg' for c in 'ab' for i in range(6)]
    for _ in range(n):
        who, task, r = rnd.choice(authors), rnd.choice(tasks), rnd.random()
        kw = {'author': who, 'task': task}
        if r < 0.35: yield 'put', (rnd.choice(items), rnd.choice([['cat'], ['dog'], [], {'answer': rnd.random() < .5}])), kw
        elif r < 0.45: yield 'delete', (rnd.choice(items),), kw
        elif r < 0.6: yield 'apply', ({i: rnd.choice([None, ['x'], ['y']]) for i in rnd.sample(items, 3)},), kw
        elif r < 0.65: yield 'put_many', ([(i, ['imported']) for i in rnd.sample(items, 4)],), kw
        elif r < 0.8: yield 'undo', (), kw
        elif r < 0.9: yield 'redo', (), kw
        elif r < 0.93: yield 'history', (rnd.choice(items),), kw
        elif r < 0.96: yield 'count', (), kw
        else: yield 'last_item', (), kw


def _plain(result):
    "A result with the times left out (they differ between stores)."
    if hasattr(result, 'item'): return (result.item, result.author, result.value, result.task)
    if isinstance(result, list): return [_plain(r) for r in result]
    return result


def test_every_result_equals_the_sqlite_stores(make, tmp_path):
    if make.kind == 'sqlite': pytest.skip('the reference itself')
    authors, tasks = (['ada'], ['default']) if make.kind == 'json' else (['ada', 'bob'], ['labels', 'grid'])
    ref, s = SQLiteStore(tmp_path/'reference.sqlite', author='ada'), make()
    for n, (op, args, kw) in enumerate(_random_ops(400, 7, authors, tasks)):
        if make.kind == 'json' and op in ('history', 'last_item'): continue  # for the session only, documented in jsonstore
        want, got = _plain(getattr(ref, op)(*args, **kw)), _plain(getattr(s, op)(*args, **kw))
        assert got == want, f'operation {n}: {op}{args} {kw}'
        if n % 10 == 0:                                        # the class index follows every write
            for cls in ('cat', 'dog', 'x', 'y', 'imported'):
                assert s.class_items(cls, **kw) == ref.class_items(cls, **kw), f'operation {n}: class {cls} {kw}'
    for a in authors:
        for t in tasks:
            assert list(s.items(a, t)) == list(ref.items(a, t))
    if make.kind != 'json':
        for t in tasks: assert _plain(list(s.records(t))) == _plain(list(ref.records(t)))
        assert s.tasks() == ref.tasks()
    ref.close()


def test_settings_choose_the_store(kind, tmp_path):
    "`Settings(store=...)` opens each kind through `open_store`: a file kind, or a postgresql:// URL (a team's database)."
    from ipyannotator.base import Settings
    from ipyannotator.storage import open_store
    store = fresh_url() if kind == 'postgres' else kind
    s = open_store(Settings(project_path=tmp_path, store=store, annotator='ada'), task='labels:a,b')
    try:
        s.put('1.jpg', ['a'])
        test = open_store(Settings(project_path=tmp_path, store=store, annotator='ada'), task='labels:a,b')
        assert (type(s).__name__, test.get('1.jpg'), test.task) == (
            {'sqlite': 'SQLiteStore', 'json': 'JSONStore', 'postgres': 'PostgresStore'}[kind], ['a'], 'labels:a,b')
        test.close()
    finally: s.close()
