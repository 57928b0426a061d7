"""Write `annotations_v1.sqlite`: a project as the store of format version 1 left it, and what each task should hold.

The database is written by the store of format 1 itself: `ipyannotator/storage.py` and `base.py` of commit
3e6cea7 (the last with format 1) are taken with `git show` into a temporary package and imported from there.
Four authors work on one project with several tasks, as that store allowed: labels for 50 items, a yes/no grid
written over 5 of them by the same author, boxes, video boxes, free notes, deletions, undone and redone
changes, a bulk import.

Beside the database, `annotations_v1.expected.json` holds, per task (named as the migration to format 2
names it: `legacy:labels`, ...), author and item, the value the task holds and the length of its history.
It is computed from a model of format 1 kept row by row alongside the writes (checked against the real store
after every operation), where each row carries the task the script wrote it for, and a deletion the task of
the value it removed. Run from anywhere: `python tests/data/make_v1_db.py`.
"""
import importlib, json, subprocess, sys, tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
COMMIT = '3e6cea7db223815da631d1bf8cccc1a1f7aef619'
DB, EXPECTED = HERE/'annotations_v1.sqlite', HERE/'annotations_v1.expected.json'


def load_v1_storage(folder:Path):
    "The `storage` module of format 1, imported from a package written into `folder`."
    pkg = folder/'ipyannotator_v1'; pkg.mkdir()
    (pkg/'__init__.py').write_text('')
    for name in ('base.py', 'storage.py'):
        src = subprocess.run(['git', '-C', str(REPO), 'show', f'{COMMIT}:ipyannotator/{name}'], check=True, capture_output=True, text=True).stdout
        (pkg/name).write_text(src)
    sys.path.insert(0, str(folder))
    storage = importlib.import_module('ipyannotator_v1.storage')
    assert storage._VERSION == 1
    return storage


class Project:
    "Writes through the store of format 1, and keeps a model of its rows, each with the task it was written for."
    def __init__(self, storage, path:Path):
        self.storage, self.path, self.stores, self.rows = storage, path, {}, []

    def store(self, author):
        if author not in self.stores: self.stores[author] = self.storage.SQLiteStore(self.path, author=author)
        return self.stores[author]

    def _current(self, item, author):
        "The model's row in effect for `item` by `author` (format 1: one per item and author, whatever the task)."
        live = [r for r in self.rows if r['item'] == item and r['author'] == author and r['undone'] == 0]
        return live[-1] if live and live[-1]['value'] is not None else None

    def _new_row(self, author, item, value, task, bulk=0):
        for r in self.rows:
            if r['author'] == author and r['undone'] == 1: r['undone'] = 2
        self.rows.append(dict(item=item, author=author, value=value, task=task, undone=0, bulk=bulk))

    def put(self, author, task, item, value):
        cur = self._current(item, author)
        if cur is None or cur['value'] != value: self._new_row(author, item, value, task)
        self.store(author).put(item, value)
        self.check(author, item)

    def delete(self, author, item):
        cur = self._current(item, author)
        if cur is not None: self._new_row(author, item, None, cur['task'])  # it removes the value of that task
        self.store(author).delete(item)
        self.check(author, item)

    def put_many(self, author, task, pairs):
        for item, value in pairs:
            cur = self._current(item, author)
            if cur is None or cur['value'] != value: self._new_row(author, item, value, task, bulk=1)
        self.store(author).put_many(pairs)
        for item, _ in pairs: self.check(author, item)

    def undo(self, author):
        live = [r for r in self.rows if r['author'] == author and r['undone'] == 0]
        if live and not live[-1]['bulk']: live[-1]['undone'] = 1
        rec = self.store(author).undo()
        assert (rec is None) == (not live or bool(live[-1]['bulk']))
        if rec: self.check(author, rec.item)

    def redo(self, author):
        undone = [r for r in self.rows if r['author'] == author and r['undone'] == 1]
        if undone: undone[0]['undone'] = 0
        rec = self.store(author).redo()
        assert (rec is None) == (not undone)
        if rec: self.check(author, rec.item)

    def check(self, author, item):
        cur = self._current(item, author)
        assert self.store(author).get(item) == (cur and cur['value']), (author, item)

    def expected(self) -> dict:
        "Per task, author and item: the value in effect (items without one left out) and the length of the history."
        values, history = {}, {}
        for r in self.rows:
            if r['undone'] != 0: continue
            key = ('legacy:' + r['task'], r['author'])
            values.setdefault(key[0], {}).setdefault(key[1], {})[r['item']] = r['value']
            h = history.setdefault(key[0], {}).setdefault(key[1], {})
            h[r['item']] = h.get(r['item'], 0) + 1
        values = {t: {a: {i: v for i, v in sorted(items.items()) if v is not None} for a, items in sorted(by.items())}
                  for t, by in sorted(values.items())}
        return {'values': values, 'history': history, 'rows': len(self.rows)}


def write(project:Project):
    "The scenario: what four authors did on one project with the store of format 1."
    p, img = project, lambda i: f'img{i:02d}.jpg'
    for i in range(50): p.put('ada', 'labels', img(i), ['square.jpg'] if i % 2 == 0 else ['circle.jpg'])
    for i in range(5, 10): p.put('ada', 'labels', img(i), ['triangle.jpg'])           # relabelled
    for i in range(25): p.put('bob', 'labels', img(i), ['circle.jpg'] if i % 3 else ['square.jpg'])
    for i in range(5): p.put('ada', 'grid', img(i), {'answer': i % 2 == 0})            # the grid wrote over ada's labels
    for i in (20, 21, 22): p.put('bob', 'grid', img(i), {'answer': True})
    p.put('ada', 'labels', img(1), ['triangle.jpg'])                                 # labels again after the grid
    for i in range(10):
        p.put('carl', 'boxes', f'box/b{i:02d}.jpg', {'bbox': [{'x': i, 'y': 2, 'width': 30, 'height': 40}], 'labels': [['cat']]})
    for i in range(5):
        p.put('carl', 'video', f'vid/f{i:03d}.jpg', {'bbox': [{'x': 10 + i, 'y': 5, 'width': 20, 'height': 20, 'id': 1}], 'labels': [['car']]})
    p.put('carl', 'video', 'vid/f005.jpg', {'bbox': [], 'labels': [], 'outside': [1]})
    p.delete('ada', img(10)); p.delete('ada', img(11)); p.delete('carl', 'box/b09.jpg')
    p.delete('ada', img(3))                                                          # removes the grid answer over the labels
    p.put('ada', 'grid', img(30), {'answer': True}); p.undo('ada'); p.delete('ada', img(30))  # the deletion removes the labels
    p.put('ada', 'labels', img(40), ['x.jpg']); p.undo('ada'); p.redo('ada')
    p.put('ada', 'labels', img(41), ['y.jpg']); p.undo('ada')                          # left undone: it can be redone
    p.undo('bob'); p.undo('bob'); p.redo('bob')                                      # bob's grid: img22 undone, img21 back
    p.put_many('bob', 'labels', [(f'imp/i{k:02d}.jpg', ['square.jpg']) for k in range(10)])
    p.undo('bob')                                                                    # nothing: undo stops at an import
    p.put('dave', 'other', 'notes/1.jpg', 'blurry'); p.put('dave', 'other', 'notes/2.jpg', {'tags': ['dark']})
    p.delete('carl', 'box/b08.jpg'); p.undo('carl')                                  # an undone deletion


def main():
    with tempfile.TemporaryDirectory() as d:
        storage = load_v1_storage(Path(d))
        DB.unlink(missing_ok=True)
        project = Project(storage, Path(d)/'annotations.sqlite')
        write(project)
        for s in project.stores.values(): s.close()
        DB.write_bytes((Path(d)/'annotations.sqlite').read_bytes())
    EXPECTED.write_text(json.dumps(project.expected(), indent=1, sort_keys=True) + '\n')
    print(f'{DB.name}: {DB.stat().st_size} bytes, {len(project.rows)} rows; {EXPECTED.name}')

if __name__ == '__main__': main()
