"""`inmemory.annotate` driven as a front end would, against a model written apart from it.

A seeded random session of keys and mouse drags (classes, several labels, exclusion, a box, notes, undo, redo, clear,
navigation) runs on numpy arrays and on a DataFrame; after every action the whole of the user's data must equal the
model's, the store must hold an edit exactly where the model has one, and the navigator must count them. A restart on
fresh copies of the data with `project=` must give the model's data back; so must one after the kernel was killed
(`os._exit`) right after its last edit."""
import os, subprocess, sys, textwrap
from pathlib import Path
import numpy as np
import pandas as pd
import pytest
from ipyannotator.annotators.base import press
from ipyannotator.inmemory import (annotate, drag, BoxArray, ClassArray, ExcludeArray, MultiLabelArray, TextColumn)

N, H, W = 8, 40, 60
CLASSES, TAGS, NOTES = ['cat', 'dog'], ['a', 'b', 'c'], ['', 'blurred', 'two of them', 'x marks']


def initial_data(seed):
    "The data as loaded: classes (-1: none), tags, exclusion flags, boxes and notes, with some values already set."
    rng = np.random.default_rng(seed)
    return dict(y=rng.integers(-1, 2, N), tags=rng.integers(0, 2, (N, 3)).astype(np.int8), ex=rng.random(N) < .2,
                box=np.where(rng.random((N, 1)) < .3, [[5, 6, 10, 8]], 0).astype(np.int64),
                note=[str(rng.choice(NOTES)) for _ in range(N)])


class Data:
    "The user's data, as numpy arrays and a list, or as the columns of a DataFrame (classes by name there)."
    def __init__(self, kind, seed):
        self.kind, d = kind, initial_data(seed)
        rng = np.random.default_rng(seed + 100)
        self.images = rng.integers(0, 255, (N, H, W, 3), dtype=np.uint8)
        if kind == 'numpy': self.y, self.tags, self.ex, self.box, self.note = d['y'], d['tags'], d['ex'], d['box'], d['note']
        else:
            self.df = pd.DataFrame({'image': list(self.images), 'label': [CLASSES[k] if k >= 0 else None for k in d['y']],
                                    'exclude': d['ex'], 'note': d['note']})
            for j, c in enumerate('xywh'): self.df[c] = d['box'][:, j]
            for j, t in enumerate(TAGS): self.df[t] = d['tags'][:, j]

    def annotate(self, **kw):
        if self.kind == 'numpy':
            return annotate(self.images, label=ClassArray(self.y, CLASSES), tags=MultiLabelArray(self.tags, TAGS),
                            exclude=ExcludeArray(self.ex), box=BoxArray(self.box), note=TextColumn(self.note), **kw)
        return annotate(self.df, image='image', classes=('label', CLASSES), exclude='exclude', box=list('xywh'),
                        note='note', tags=MultiLabelArray(self.df, TAGS, column=TAGS), **kw)

    def cells(self) -> dict:
        "Every output's cells, in the model's terms: class index, 0/1 tags, bool, box, note."
        if self.kind == 'numpy':
            return dict(label=self.y.tolist(), tags=self.tags.tolist(), exclude=self.ex.tolist(), box=self.box.tolist(),
                        note=list(self.note))
        df = self.df
        label = [CLASSES.index(v) if isinstance(v, str) else -1 for v in df.label]
        note = ['' if not isinstance(v, str) else v for v in df.note]
        return dict(label=label, tags=df[TAGS].to_numpy().tolist(), exclude=df.exclude.tolist(),
                    box=df[list('xywh')].to_numpy().tolist(), note=note)


class Model:
    "What the widget should do, written from the rules, not from its code: cells, stored edits, undo log, position."
    def __init__(self, cells, order):
        self.initial = {k: list(v) for k, v in cells.items()}
        self.cells = {k: list(v) for k, v in cells.items()}
        self.stored = {k: [None]*N for k in cells}
        self.done, self.undone, self.order, self.pos = [], [], list(order), 0

    @property
    def row(self): return self.order[self.pos]

    def edit(self, name, value, row=None):
        "An edit: a step when the stored value changes; the cell takes the value either way."
        row = self.row if row is None else row
        if self.stored[name][row] != value:
            self.done.append([(name, row, self.stored[name][row], value)]); self.undone = []
            self.stored[name][row] = value
        self.cells[name][row] = value

    def _set(self, name, row, value):
        self.stored[name][row] = value
        self.cells[name][row] = self.initial[name][row] if value is None else value

    def undo(self):
        if not self.done: return
        step = self.done.pop()
        for name, row, old, new in step: self._set(name, row, old)
        self.undone.append(step); self.pos = self.order.index(step[0][1])

    def redo(self):
        if not self.undone: return
        step = self.undone.pop()
        for name, row, old, new in step: self._set(name, row, new)
        self.done.append(step); self.pos = self.order.index(step[0][1])

    def clear(self):
        step = [(n, self.row, self.stored[n][self.row], None) for n in self.stored if self.stored[n][self.row] is not None]
        for name, row, _, _ in step: self._set(name, row, None)
        if step: self.done.append(step); self.undone = []

    def edited(self, row): return any(self.stored[n][row] is not None for n in self.stored)

    def next_unedited(self):
        for k in range(1, N + 1):
            p = (self.pos + k) % N
            if not self.edited(self.order[p]): self.pos = p; return


def step(w, m, rng, log):
    "One random action on the widget `w` and the model `m`."
    action = rng.choice(['digit', 'digit', 'alt', 'x', 'draw', 'draw', 'move', 'delete', 'note', 'next', 'prev',
                         'undo', 'undo', 'redo', 'clear', 'n'])
    log.append(str(action))
    row = m.row
    if action == 'digit':
        d = int(rng.integers(0, 4)); log[-1] += f' {d}'
        press(w, str(d))
        if d == 0: m.edit('label', -1)
        elif d <= 2: m.edit('label', d - 1)
    elif action == 'alt':
        d = int(rng.integers(0, 4)); log[-1] += f' {d}'
        press(w, str(d), alt=True)
        t = list(m.cells['tags'][row])
        if d == 0: t = [0, 0, 0]
        else: t[d - 1] = 1 - t[d - 1]
        m.edit('tags', t)
    elif action == 'x':
        press(w, 'x'); m.edit('exclude', not m.cells['exclude'][row])
    elif action == 'draw': draw(w, m, rng, log)
    elif action == 'move':
        x, y, bw, bh = m.cells['box'][row]
        if bw == 0 or bh == 0: return
        dx, dy = (int(v) for v in rng.integers(-6, 7, 2)); log[-1] += f' {dx} {dy}'
        cx, cy = x + bw/2, y + bh/2
        drag(w, (cx, cy), (cx + dx, cy + dy))
        new = [min(max(x + dx, 0), W - bw), min(max(y + dy, 0), H - bh), bw, bh]
        if new != [x, y, bw, bh]: m.edit('box', new)
    elif action == 'delete': press(w, 'Delete'); m.edit('box', [0, 0, 0, 0])
    elif action == 'note':
        text = str(rng.choice(NOTES)); log[-1] += f' {text!r}'
        w.notes['note'].value = text
        if text != m.cells['note'][row]: m.edit('note', text)
    elif action == 'next': press(w, 'ArrowRight'); m.pos = min(m.pos + 1, N - 1)
    elif action == 'prev': press(w, 'ArrowLeft'); m.pos = max(m.pos - 1, 0)
    elif action == 'undo': press(w, 'z', ctrl=True); m.undo()
    elif action == 'redo': press(w, 'y', ctrl=True); m.redo()
    elif action == 'clear': press(w, 'Delete', shift=True); m.clear()
    elif action == 'n': press(w, 'n'); m.next_unedited()


def draw(w, m, rng, log):
    "Drag out a new box from a point well away from the item's box (else the drag would move it)."
    x, y, bw, bh = m.cells['box'][m.row]
    for _ in range(50):
        x0, x1 = sorted(int(v) for v in rng.integers(0, W + 1, 2)); y0, y1 = sorted(int(v) for v in rng.integers(0, H + 1, 2))
        if x1 - x0 < 1 or y1 - y0 < 1: continue
        far = bw == 0 or bh == 0 or not (x - 3 <= x0 <= x + bw + 3 and y - 3 <= y0 <= y + bh + 3)
        if far: break
    else: return
    log[-1] += f' {(x0, y0, x1, y1)}'
    drag(w, (x0, y0), (x1, y1))
    m.edit('box', [x0, y0, x1 - x0, y1 - y0])


def check(w, data, m, log):
    assert data.cells() == m.cells, f'after {log[-12:]}'
    assert w.row == m.row, f'position after {log[-12:]}'
    for name, task in w.tasks.items():
        stored = [w.store.get(w.source[r], task=task) is not None for r in range(N)]
        expected = m.stored[{'classes': 'label'}.get(name, name)]
        assert stored == [v is not None for v in expected], f'store of {name} after {log[-12:]}'
    assert w.navigator.annotated == sum(m.edited(r) for r in range(N))


@pytest.mark.parametrize('kind', ['numpy', 'frame'])
@pytest.mark.parametrize('seed', [1, 2, 3])
def test_random_session_matches_the_model_and_survives_a_restart(kind, seed, tmp_path):
    rng = np.random.default_rng(seed)
    data, order = Data(kind, seed), [int(i) for i in rng.permutation(N)]
    w = data.annotate(order=order, project=tmp_path/'p', author='ada')
    m, log = Model(data.cells(), order), []
    check(w, data, m, log)
    for _ in range(300):
        step(w, m, rng, log)
        check(w, data, m, log)
    assert len(set(log)) > 20, 'the session should mix many kinds of action'
    w.close()
    fresh = Data(kind, seed)          # the same data as loaded, and the same project: the edits come back
    w2 = fresh.annotate(order=order, project=tmp_path/'p', author='ada')
    assert fresh.cells() == m.cells
    w2.close()


def test_undo_everything_gives_the_data_as_loaded(tmp_path):
    rng, data = np.random.default_rng(5), Data('frame', 5)
    before = data.df.copy()
    w = data.annotate(project=tmp_path/'p')
    m, log = Model(data.cells(), list(range(N))), []
    for _ in range(200):
        step(w, m, rng, [])
    for _ in range(400): press(w, 'z', ctrl=True)
    pd.testing.assert_frame_equal(data.df, before)
    assert w.navigator.annotated == 0


CRASH = """
import os, sys, numpy as np
from ipyannotator.annotators.base import press
from ipyannotator.inmemory import annotate, drag, ClassArray, ExcludeArray, BoxArray
images = np.zeros((5, 40, 60), np.uint8)
y, ex, box = np.array([0, 1, -1, 1, 0]), np.zeros(5, bool), np.zeros((5, 4), int)
w = annotate(images, project=sys.argv[1], label=ClassArray(y, ['cat', 'dog']), exclude=ExcludeArray(ex), box=BoxArray(box))
press(w, '2'); press(w, 'ArrowRight'); press(w, 'x'); press(w, 'ArrowRight'); drag(w, (4, 4), (20, 30))
print(y.tolist(), ex.tolist(), box.tolist(), flush=True)
os._exit(1)   # the kernel dies: no close, no cleanup
"""


def test_edits_survive_a_killed_kernel(tmp_path):
    res = subprocess.run([sys.executable, '-c', CRASH, str(tmp_path/'p')], capture_output=True, text=True, timeout=120,
                         env={k: v for k, v in os.environ.items() if k != 'IN_TEST'})
    assert res.returncode == 1, res.stderr[-2000:]
    assert res.stdout.strip() == ('[1, 1, -1, 1, 0] [False, True, False, False, False] '
                                  '[[0, 0, 0, 0], [0, 0, 0, 0], [4, 4, 16, 26], [0, 0, 0, 0], [0, 0, 0, 0]]')
    y, ex, box = np.array([0, 1, -1, 1, 0]), np.zeros(5, bool), np.zeros((5, 4), int)
    w = annotate(np.zeros((5, 40, 60), np.uint8), project=tmp_path/'p', label=ClassArray(y, ['cat', 'dog']),
                 exclude=ExcludeArray(ex), box=BoxArray(box))
    assert (y.tolist(), ex.tolist(), box[2].tolist(), w.restored, w.row) == ([1, 1, -1, 1, 0], [False, True] + [False]*3,
                                                                             [4, 4, 16, 26], 3, 2)
    press(w, 'z', ctrl=True)          # undo reaches into the session that died
    assert box[2].tolist() == [0, 0, 0, 0]
    w.close()
