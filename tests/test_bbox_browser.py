"""The box annotator in real Chromium through Voila: a box drawn with the mouse is stored in original-image pixels
(the image is shown at half size), and keys move it."""
import json, subprocess, time
from pathlib import Path
import pytest
from conftest import jupyter_env, free_port, wait_ready
from ipyannotator.app import voila_command
from ipyannotator.datasets import create_detection
from ipyannotator.mltypes import OutputImageBbox
from ipyannotator.storage import SQLiteStore

APP = """from pathlib import Path
from ipyannotator.base import Settings
from ipyannotator.mltypes import InputImage, OutputImageBbox
from ipyannotator.annotators.bbox import BboxTask
task = BboxTask(InputImage(image_width=320, image_height=240), OutputImageBbox(classes={classes!r}),
                Settings(project_path=Path({project!r}), annotator='tester'))
task.create()"""

# whether a pixel of the canvas (ipycanvas composites the layers into one) is near an RGB colour
PIXEL_NEAR = """([x, y, rgb]) => { const d = document.querySelector('.ipyannotator-canvas canvas')
    .getContext('2d').getImageData(x, y, 1, 1).data;
    return [0, 1, 2].every(i => Math.abs(d[i] - rgb[i]) < 40); }"""
CIRCLE_RED = [0xe6, 0x19, 0x4b]    # the colour of the first class, the class of new boxes
CLASSES = ['circle', 'square', 'triangle']
TASK = OutputImageBbox(classes=CLASSES).task_name()   # the task the app's box annotator writes under


@pytest.fixture
def bbox_app(tmp_path):
    "A detection project of 640 x 480 images, and Voila serving a notebook that opens its box annotator."
    project = create_detection(tmp_path/'det', n_items=3, image_size=(640, 480), seed=1)
    nb = tmp_path/'app'/'bbox.ipynb'
    nb.parent.mkdir()
    nb.write_text(json.dumps({'cells': [{'cell_type': 'code', 'execution_count': None, 'metadata': {}, 'outputs': [],
                                         'source': APP.format(project=str(project), classes=CLASSES)}],
                              'metadata': {'kernelspec': {'display_name': 'Python 3', 'language': 'python', 'name': 'python3'}},
                              'nbformat': 4, 'nbformat_minor': 5}))
    port, log = free_port(), open(tmp_path/'voila.log', 'w')
    proc = subprocess.Popen(voila_command(nb, port), cwd=nb.parent, env=jupyter_env(tmp_path/'jupyter'),
                            stdout=log, stderr=subprocess.STDOUT)
    base = f'http://127.0.0.1:{port}/'
    try:
        try: wait_ready(base + 'voila/static/voila.js', proc)
        except Exception: raise RuntimeError((tmp_path/'voila.log').read_text()[-3000:])
        yield base, project
    finally:
        proc.terminate()
        try: proc.wait(10)
        except subprocess.TimeoutExpired: proc.kill()


def stored_box(store_path: Path, item: str, changed_from=None, timeout=15, index=0):
    "Box `index` stored for `item` once it is there (and differs from `changed_from`)."
    end = time.time() + timeout
    while time.time() < end:
        if store_path.exists():
            with SQLiteStore(store_path, author='tester', task=TASK) as store: value = store.get(item)
            if value and len(value['bbox']) > index and value['bbox'][index] != changed_from: return value['bbox'][index]
        time.sleep(0.2)
    return changed_from


def drag(page, x0, y0, x1, y1, steps=5):
    page.mouse.move(x0, y0)
    page.mouse.down()
    for k in range(1, steps + 1): page.mouse.move(x0 + (x1 - x0)*k/steps, y0 + (y1 - y0)*k/steps)
    page.mouse.up()


def close(box, expected):
    return all(abs(box[k] - v) <= 1 for k, v in expected.items())


def test_draw_a_box_with_the_mouse_and_move_it_with_keys(bbox_app, browser_page):
    base, project = bbox_app
    page = browser_page
    page.goto(base)
    page.wait_for_selector('.ipyannotator .ipyannotator-canvas canvas', state='attached')
    item = page.inner_text('.ipyannotator code')
    box = page.locator('.ipyannotator-canvas canvas').first.bounding_box()
    assert (round(box['width']), round(box['height'])) == (320, 240), box

    # 640 x 480 image on a 320 x 240 canvas: canvas (40, 30) -> (140, 100) is image (80, 60) -> (280, 200)
    x0, y0 = box['x'], box['y']
    page.mouse.move(x0 + 200, y0 + 200)
    drag(page, x0 + 40, y0 + 30, x0 + 140, y0 + 100)

    store_path = project/'results'/'annotations.sqlite'
    drawn = stored_box(store_path, item)
    assert drawn is not None, f'no box stored for {item}: {page.inner_text(".ipyannotator")[-500:]}'
    assert close(drawn, {'x': 80, 'y': 60, 'width': 200, 'height': 140}), drawn
    page.wait_for_function(PIXEL_NEAR, arg=[40, 50, CIRCLE_RED], timeout=10_000)   # its left edge is painted where it was drawn

    # the mouse is still over the image: → nudges by one screen pixel (2 image pixels), Shift+↓ by ten (20)
    page.keyboard.press('ArrowRight')
    page.keyboard.press('Shift+ArrowDown')
    moved = stored_box(store_path, item, changed_from=drawn)
    end = time.time() + 10
    while moved['y'] == drawn['y'] and time.time() < end: moved = stored_box(store_path, item, changed_from=moved, timeout=1)
    assert close(moved, {'x': 82, 'y': 80, 'width': 200, 'height': 140}), moved
    assert page.inner_text('.ipyannotator code') == item, 'the arrows moved to another item instead of nudging the box'

    # Space held: a drag pans the view by (-50, -20) canvas pixels; released, a drag draws again, under the mouse:
    # canvas (200, 100) -> (250, 150) is then image ((200 + 50) * 2, (100 + 20) * 2) = (500, 240), 100 x 100
    page.keyboard.press('Escape')
    page.keyboard.down(' ')
    drag(page, x0 + 250, y0 + 200, x0 + 200, y0 + 180)
    page.keyboard.up(' ')
    drag(page, x0 + 200, y0 + 100, x0 + 250, y0 + 150)
    second = stored_box(store_path, item, index=1)
    assert second is not None and close(second, {'x': 500, 'y': 240, 'width': 100, 'height': 100}), second
    assert close(stored_box(store_path, item), moved), 'the pan moved a box'


def test_box_list_rows_type_select_and_delete(bbox_app, browser_page, tmp_path):
    """The box list (one widget drawn by the browser): a row per box with its values; a value typed in changes the box,
    a class picked gives it that class, ✕ deletes it; typing in the list does not reach the annotator's keys."""
    base, project = bbox_app
    page = browser_page
    page.goto(base)
    page.wait_for_selector('.ipyannotator .ipyannotator-canvas canvas', state='attached')
    page.wait_for_selector('.ipyannotator-boxes', state='attached')
    assert 'no boxes' in page.inner_text('.ipyannotator-boxes')
    item = page.inner_text('.ipyannotator code')
    box = page.locator('.ipyannotator-canvas canvas').first.bounding_box()
    x0, y0 = box['x'], box['y']
    page.mouse.move(x0 + 200, y0 + 200)
    drag(page, x0 + 40, y0 + 30, x0 + 140, y0 + 100)
    store_path = project/'results'/'annotations.sqlite'
    drawn = stored_box(store_path, item)
    assert drawn is not None and close(drawn, {'x': 80, 'y': 60, 'width': 200, 'height': 140}), drawn
    rows = page.locator('.ipyannotator-boxes .ipyannotator-box-row')
    page.wait_for_function("() => document.querySelectorAll('.ipyannotator-boxes .ipyannotator-box-row').length === 1")
    values = lambda: [rows.nth(0).locator('input').nth(k).input_value() for k in range(4)]
    end = time.time() + 10
    while values() != [str(drawn[k]) for k in ('x', 'y', 'width', 'height')] and time.time() < end: time.sleep(0.1)
    assert values() == [str(drawn[k]) for k in ('x', 'y', 'width', 'height')], values()
    assert rows.nth(0).locator('select').input_value() == CLASSES[0]
    assert rows.nth(0).locator('button').first.inner_text() == '1'

    width = rows.nth(0).locator('input').nth(2)
    width.fill('123')
    width.press('Enter')
    typed = stored_box(store_path, item, changed_from=drawn)
    assert typed['width'] == 123 and typed['x'] == drawn['x'], typed
    assert page.inner_text('.ipyannotator code') == item, 'typing in the list moved to another item'

    rows.nth(0).locator('select').select_option(CLASSES[2])
    end = time.time() + 10
    while time.time() < end:
        with SQLiteStore(store_path, author='tester', task=TASK) as store: labels = store.get(item)['labels']
        if labels == [[CLASSES[2]]]: break
        time.sleep(0.2)
    assert labels == [[CLASSES[2]]], labels

    rows.nth(0).locator('button', has_text='✕').click()
    end = time.time() + 10
    while time.time() < end:
        with SQLiteStore(store_path, author='tester', task=TASK) as store: value = store.get(item)
        if value is not None and not value['bbox']: break
        time.sleep(0.2)
    assert value == {'bbox': [], 'labels': []}, value
    page.wait_for_function("() => document.querySelectorAll('.ipyannotator-boxes .ipyannotator-box-row').length === 0")
