"""Several tasks on one project: labels, boxes, grid answers and video tracks on the same frames, driven as a front end
would, never see or change each other's values; undo is the store's for every task and survives a restart."""
import itertools, json
from pathlib import Path
import pytest
from ipyannotator.base import Settings
from ipyannotator.datasets import create_video
from ipyannotator.mltypes import InputImage, OutputLabel, OutputImageBbox, OutputGridBox, OutputVideoBbox
from ipyannotator.annotator import Annotator
from ipyannotator.annotators.base import press

TASKS = ('labels', 'boxes', 'grid', 'video')


def _output(task):
    return {'labels': lambda: OutputLabel(['car', 'person']), 'boxes': lambda: OutputImageBbox(['car', 'person']),
            'grid': lambda: OutputGridBox(), 'video': lambda: OutputVideoBbox(['car', 'person'])}[task]()


def _annotator(project:Path, task:str) -> Annotator:
    settings = Settings(project_path=project, annotator='ada', n_rows=2, n_cols=3)
    return Annotator(InputImage('images', 320, 240), _output(task), settings)


def _mouse(a, event, x, y): a.canvas.multi_canvas._handle_custom_msg({'event': f'mouse_{event}', 'x': x, 'y': y}, [])


def _drag(a, x0, y0, x1, y1):
    _mouse(a, 'down', x0, y0)
    for k in range(1, 4): _mouse(a, 'move', x0 + (x1 - x0)*k/3, y0 + (y1 - y0)*k/3)
    _mouse(a, 'up', x1, y1)


def _work(a, task:str):
    "Make a few changes in the create phase of `task`, as a person would with keys and the mouse."
    if task == 'labels':
        for key in ('1', 'ArrowRight', '2', 'ArrowRight', '0', 'ArrowRight', '1'): press(a, key)
    elif task == 'grid':
        press(a, '1'); press(a, '3'); press(a, 'PageDown'); press(a, '2'); press(a, 'Enter')
    else:   # boxes and video: draw two boxes on the first frames
        _drag(a, 20, 20, 80, 90)
        press(a, 'ArrowRight') if task == 'boxes' else press(a, 'd')
        _drag(a, 100, 60, 160, 120)


def _values(project:Path, task:str) -> bytes:
    "The stored values of `task` as bytes, to compare byte for byte."
    an = _annotator(project, task)
    try: return json.dumps(list(an.task.store.items()), sort_keys=True).encode()
    finally: an.close()


@pytest.fixture(scope='module')
def frames(tmp_path_factory):
    "Twelve frames of one video; no ground truth (it would be one task's: each task's phases here read the store)."
    path = create_video(tmp_path_factory.mktemp('video')/'v', n_frames=12, n_objects=2, seed=3)
    (path/'annotations.json').unlink()
    return path


@pytest.mark.parametrize('first,second', list(itertools.permutations(TASKS, 2)))
def test_two_tasks_on_one_project(frames, tmp_path, first, second):
    import shutil
    project = Path(shutil.copytree(frames, tmp_path/'p'))
    a = _annotator(project, first)
    _work(a.create(), first)
    a.close()
    before = _values(project, first)
    assert before != b'[]', f'{first} wrote nothing'
    b = _annotator(project, second)
    created = b.create()
    _work(created, second)
    press(created, 'z', ctrl=True)                 # the second task's undo never reaches the first's values
    b.improve(); b.explore()
    b.close()
    assert _values(project, first) == before
    assert _values(project, second) != b'[]'


@pytest.mark.parametrize('task', TASKS)
def test_undo_survives_a_restart(frames, tmp_path, task):
    import shutil
    project = Path(shutil.copytree(frames, tmp_path/'p'))
    a = _annotator(project, task)
    _work(a.create(), task)
    a.close()
    done = _values(project, task)
    b = _annotator(project, task)
    c = b.create()
    press(c, 'z', ctrl=True)
    b.close()
    undone = _values(project, task)
    assert undone != done, f'{task}: Ctrl+Z after a restart changed nothing'
    b = _annotator(project, task)
    press(b.create(), 'Z', ctrl=True, shift=True)
    b.close()
    assert _values(project, task) == done
