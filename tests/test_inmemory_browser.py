"""`inmemory.annotate` in real Chromium through Voila: keys over the image reach the widget (x excludes, 2 picks a
class), a mouse drag draws the box in original-image pixels, and typing in the note (outside the key source) types
text: its `x` does not toggle the exclusion, and the note is kept when the text area loses the focus."""
import json, subprocess, time
from pathlib import Path
import pytest
from conftest import jupyter_env, free_port, wait_ready
from ipyannotator.app import voila_command
from ipyannotator.storage import SQLiteStore

APP = """import numpy as np
from ipyannotator.inmemory import annotate, ClassArray, ExcludeArray, BoxArray, TextColumn
images = np.zeros((3, 120, 160, 3), np.uint8); images[..., 1] = 90
y, ex, box, note = np.zeros(3, int), np.zeros(3, bool), np.zeros((3, 4), int), [''] * 3
annotate(images, project={project!r}, author='tester', width=320, height=240, label=ClassArray(y, ['cat', 'dog']),
         exclude=ExcludeArray(ex), box=BoxArray(box), note=TextColumn(note))"""


@pytest.fixture
def inmemory_app(tmp_path):
    "Voila serving a notebook that annotates a numpy stack of 160 x 120 images shown at 320 x 240."
    project = tmp_path/'project'
    nb = tmp_path/'app'/'inmemory.ipynb'
    nb.parent.mkdir()
    nb.write_text(json.dumps({'cells': [{'cell_type': 'code', 'execution_count': None, 'metadata': {}, 'outputs': [],
                                         'source': APP.format(project=str(project))}],
                              'metadata': {'kernelspec': {'display_name': 'Python 3', 'language': 'python', 'name': 'python3'}},
                              'nbformat': 4, 'nbformat_minor': 5}))
    port, log = free_port(), open(tmp_path/'voila.log', 'w')
    proc = subprocess.Popen(voila_command(nb, port), cwd=nb.parent, env=jupyter_env(tmp_path/'jupyter'),
                            stdout=log, stderr=subprocess.STDOUT)
    base = f'http://127.0.0.1:{port}/'
    try:
        try: wait_ready(base + 'voila/static/voila.js', proc)
        except Exception: raise RuntimeError((tmp_path/'voila.log').read_text()[-3000:])
        yield base, project/'results'/'annotations.sqlite'
    finally:
        proc.terminate()
        try: proc.wait(10)
        except subprocess.TimeoutExpired: proc.kill()


def stored(db: Path, task: str, item='item_00000', until=lambda v: v is not None, timeout=15):
    "The value of `item` in `task` once `until(value)` holds (the last one read after `timeout` seconds)."
    end, value = time.time() + timeout, None
    while time.time() < end:
        if db.exists():
            with SQLiteStore(db, author='tester', task=task) as s: value = s.get(item)
            if until(value): return value
        time.sleep(0.2)
    return value


def drag(page, x0, y0, x1, y1, steps=5):
    page.mouse.move(x0, y0)
    page.mouse.down()
    for k in range(1, steps + 1): page.mouse.move(x0 + (x1 - x0)*k/steps, y0 + (y1 - y0)*k/steps)
    page.mouse.up()


def test_keys_mouse_and_a_note_in_the_browser(inmemory_app, browser_page):
    base, db = inmemory_app
    page = browser_page
    page.goto(base)
    page.wait_for_selector('.ipyannotator-inmemory .ipyannotator-canvas canvas', state='attached')
    assert 'item_00000' in page.inner_text('.ipyannotator-inmemory code')
    box = page.locator('.ipyannotator-canvas canvas').first.bounding_box()
    assert (round(box['width']), round(box['height'])) == (320, 240), box
    x0, y0 = box['x'], box['y']

    page.mouse.move(x0 + 300, y0 + 220)           # keys act while the mouse is over the image
    page.keyboard.press('x')
    assert stored(db, 'exclude') is True, page.inner_text('.ipyannotator-inmemory')[-500:]
    page.keyboard.press('2')
    assert stored(db, 'label') == ['dog']

    # 160 x 120 shown at 320 x 240: canvas (20, 20) -> (100, 80) is image (10, 10) -> (50, 40)
    drag(page, x0 + 20, y0 + 20, x0 + 100, y0 + 80)
    assert stored(db, 'box') == {'bbox': [{'x': 10, 'y': 10, 'width': 40, 'height': 30}], 'labels': [[]]}

    note = page.locator('.ipyannotator-inmemory textarea').first
    note.click()
    page.keyboard.type('x-ray, 2 of them')
    page.mouse.click(x0 + 300, y0 + 220)         # the text area loses the focus: the note is sent
    assert stored(db, 'note') == 'x-ray, 2 of them'
    assert stored(db, 'exclude') is True and stored(db, 'label') == ['dog'], "keys typed in the note reached the widget"
    with SQLiteStore(db, author='tester', task='exclude') as s: assert len(s.history('item_00000')) == 1

    page.mouse.move(x0 + 300, y0 + 220)
    page.keyboard.press('Control+z')             # undo: the note goes
    assert stored(db, 'note', until=lambda v: v is None) is None
