"""Polygons and masks in real Chromium through the app: `ipyannotator serve --task ipyannotator.annotators.polygon:PolygonTask`
and `ipyannotator demo --task ipyannotator.annotators.mask:MaskTask` (the app serves a task by its import path; the module
registers it when imported). A polygon is drawn with mouse clicks and a mask painted with the brush and grown by a click,
and the store holds them in original-image pixels (the images are shown at a different size than their own)."""
import json, time
from pathlib import Path
import numpy as np
from ipyannotator.datasets import create_detection
from ipyannotator.storage import SQLiteStore
from ipyannotator.annotators.shape_data import detection_masks
from ipyannotator.annotators.shape_geometry import iou, rle_decode

POLYGON_TASK = 'ipyannotator.annotators.polygon:PolygonTask'
MASK_TASK = 'ipyannotator.annotators.mask:MaskTask'
CLASSES = ['circle', 'square', 'triangle']


def stored(path: Path, task: str, item: str, ready, timeout=20):
    "The value of `item` in the store at `path` once `ready(value)` holds (None after `timeout` seconds)."
    end = time.time() + timeout
    while time.time() < end:
        if path.exists():
            with SQLiteStore(path, author='tester', task=task) as store: value = store.get(item)
            if value is not None and ready(value): return value
        time.sleep(0.2)
    return None


def open_annotator(page, base):
    "Open the app and wait for the annotator's canvas; return the item shown and the canvas's top-left corner."
    page.goto(base)
    page.wait_for_selector('.ipyannotator .ipyannotator-canvas canvas', state='attached')
    page.wait_for_function("() => !!document.querySelector('.ipyannotator code')")
    box = page.locator('.ipyannotator-canvas canvas').first.bounding_box()
    assert (round(box['width']), round(box['height'])) == (640, 480), box
    return page.inner_text('.ipyannotator code'), box['x'], box['y']


def click(page, x, y):
    page.mouse.move(x, y); page.mouse.down(); page.mouse.up()
    time.sleep(0.15)   # each click is a round trip to the kernel: keep them in order, as a person would


def test_draw_a_polygon_with_the_mouse(app_server, browser_page, tmp_path):
    # 1280 x 960 images on a 640 x 480 canvas: canvas points are image points halved
    project = create_detection(tmp_path/'det', n_items=3, image_size=(1280, 960), seed=1)
    served = app_server('serve', str(project), '--task', POLYGON_TASK, '--polygons', ','.join(CLASSES), '--annotator', 'tester')
    page = browser_page
    item, x0, y0 = open_annotator(page, served.url)
    corners = [(100, 80), (300, 80), (300, 240), (100, 240)]
    for x, y in corners: click(page, x0 + x, y0 + y)
    click(page, x0 + 101, y0 + 81)                                       # on the first point: closed
    store, task = project/'results'/'annotations.sqlite', f"polygons:{','.join(CLASSES)}"
    value = stored(store, task, item, lambda v: len(v['polygons']) == 1)
    assert value is not None, f'no polygon stored for {item}: {page.inner_text(".ipyannotator")[-600:]}'
    p = value['polygons'][0]
    assert p['label'] == 'circle'
    assert np.allclose(p['points'], [[2*x, 2*y] for x, y in corners], atol=2.5), p['points']

    # a vertex dragged, then the class of the selected polygon changed with a digit key
    page.mouse.move(x0 + 300, y0 + 240); page.mouse.down()
    for k in range(1, 5): page.mouse.move(x0 + 300 + 10*k, y0 + 240 + 5*k)
    page.mouse.up()
    page.keyboard.press('3')
    value = stored(store, task, item, lambda v: v['polygons'][0]['label'] == 'triangle')
    assert value is not None, page.inner_text('.ipyannotator')[-600:]
    assert np.allclose(value['polygons'][0]['points'][2], [680, 520], atol=2.5), value['polygons'][0]['points']


def test_paint_and_grow_a_mask_with_the_mouse(app_server, browser_page, tmp_path):
    served = app_server('demo', '--task', MASK_TASK, '--path', str(tmp_path/'demo'), '--annotator', 'tester')
    project = next((tmp_path/'demo').rglob('dataset.json')).parent
    truth = detection_masks(project)
    page = browser_page
    item, x0, y0 = open_annotator(page, served.url)
    store, task = project/'results'/'annotations.sqlite', f"masks:{','.join(CLASSES)}"

    # the 320 x 240 demo images fill the 640 x 480 canvas: a brush stroke at canvas y 40 is image row 20
    page.mouse.move(x0 + 40, y0 + 40); page.mouse.down()
    for k in range(1, 9): page.mouse.move(x0 + 40 + 20*k, y0 + 40)
    page.mouse.up()
    value = stored(store, task, item, lambda v: len(v['masks']) == 1)
    assert value is not None, f'no mask stored for {item}: {page.inner_text(".ipyannotator")[-600:]}'
    m = rle_decode(value['masks'][0]['rle'])
    assert m.shape == (240, 320)
    assert m[20, 25:95].all() and not m[40].any(), np.argwhere(m)[:5]

    # click to segment: the first item with a shape, a click in the middle of its first shape
    page.keyboard.press('Escape')
    page.keyboard.press('s')
    while not truth[item]:
        page.keyboard.press('PageDown')
        page.wait_for_function("(item) => document.querySelector('.ipyannotator code').innerText !== item", arg=item)
        item = page.inner_text('.ipyannotator code')
    cls, gt = truth[item][0]
    ys, xs = np.nonzero(gt)
    page.keyboard.press(str(CLASSES.index(cls) + 1))
    click(page, x0 + 2*(xs.mean() + .5), y0 + 2*(ys.mean() + .5))
    value = stored(store, task, item, lambda v: any(m['label'] == cls for m in v['masks']), timeout=30)
    assert value is not None, f'no mask grown on {item}: {page.inner_text(".ipyannotator")[-600:]}'
    grown = rle_decode(next(m for m in value['masks'] if m['label'] == cls)['rle'])
    assert iou(grown, gt) > 0.9, iou(grown, gt)
