"""The Voila app in real Chromium: the image is painted, and keys label into the store."""
import json, time
from pathlib import Path
from ipyannotator.storage import SQLiteStore

# Count the pixels painted on the canvases of the page (an unpainted canvas is fully transparent).
PAINTED_PIXELS = """() => Array.from(document.querySelectorAll('canvas')).reduce((n, c) => {
    if (!c.width || !c.height) return n;
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let k = 0; for (let i = 3; i < d.length; i += 4) if (d[i] > 0) k++;
    return n + k; }, 0)"""


def painted(page, timeout=30):
    "Wait until some canvas pixel is painted; return how many are."
    end = time.time() + timeout
    while time.time() < end:
        n = page.evaluate(PAINTED_PIXELS)
        if n > 0: return n
        time.sleep(0.2)
    return 0


def test_demo_app_labels_with_keys(ipyannotator_server, browser_page, tmp_path):
    base = ipyannotator_server('demo', '--path', str(tmp_path/'demo'), '--annotator', 'tester')
    page = browser_page
    page.goto(base)
    page.wait_for_selector('.ipyannotator canvas', state='attached')
    assert painted(page) > 10_000, 'the first image was not painted on page load'

    first_item = page.inner_text('.ipyannotator code')
    page.hover('.ipyannotator canvas')
    page.keyboard.press('1')
    page.keyboard.press('ArrowRight')
    page.wait_for_function("(first) => document.querySelector('.ipyannotator code').innerText !== first", arg=first_item)

    store_path = next((tmp_path/'demo').rglob('annotations.sqlite'))
    with SQLiteStore(store_path, author='tester') as store:
        deadline = time.time() + 10
        while store.get(first_item) is None and time.time() < deadline: time.sleep(0.2)
        label = store.get(first_item)
    assert label is not None and len(label) == 1, f'no label stored for {first_item}'
    classes = sorted(p.name for p in next((tmp_path/'demo').rglob('class_images')).iterdir())
    assert label == [classes[0]], f'key 1 should pick the first class {classes[0]}, stored {label}'
