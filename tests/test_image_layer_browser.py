"""The image layer in real Chromium through Voila: it lies exactly under the layers the mouse draws on, which stay on
top; each step shows the item's own image (sent ahead, decoded by the browser), and going back shows the one before."""
import time
from PIL import Image

COLOURS = [(230, 25, 75), (60, 180, 75), (0, 130, 200), (245, 130, 48), (145, 30, 180), (70, 240, 240)]
CENTRE = """() => { const c = document.querySelector('.ipyannotator-image-layer canvas');
    return Array.from(c.getContext('2d').getImageData(c.width >> 1, c.height >> 1, 1, 1).data.slice(0, 3)); }"""
ON_TOP = """() => { const r = document.querySelector('.ipyannotator-image-layer canvas').getBoundingClientRect();
    const e = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
    return [e.tagName, e.closest('.ipyannotator-image-layer') !== null, e.closest('.ipyannotator-canvas') !== null]; }"""


def shows(page, colour, timeout=10) -> bool:
    "Whether the centre of the image layer turns `colour` (JPEG: nearly) within `timeout` seconds."
    end = time.time() + timeout
    while time.time() < end:
        if all(abs(a - b) < 12 for a, b in zip(page.evaluate(CENTRE), colour)): return True
        time.sleep(0.05)
    return False


def test_the_image_layer_in_chromium(ipyannotator_server, browser_page, tmp_path):
    project = tmp_path/'colours'
    (project/'images').mkdir(parents=True); (project/'class_images').mkdir()
    for k, c in enumerate(COLOURS): Image.new('RGB', (200, 150), c).save(project/'images'/f'img_{k}.png')
    for name in 'ab': Image.new('RGB', (20, 20), 'white').save(project/'class_images'/f'{name}.png')
    page = browser_page
    page.goto(ipyannotator_server('serve', str(project), '--label-dir', 'class_images'))
    layer = page.locator('.ipyannotator-image-layer canvas')
    layer.wait_for(state='attached')
    assert layer.bounding_box() == page.locator('.ipyannotator-canvas canvas').first.bounding_box()
    assert page.evaluate(ON_TOP) == ['CANVAS', False, True]     # the drawing layers get the mouse, the image is under
    assert shows(page, COLOURS[0]), page.evaluate(CENTRE)
    page.hover('.ipyannotator-canvas canvas')
    for key, k in [('ArrowRight', 1), ('ArrowRight', 2), ('ArrowRight', 3), ('ArrowLeft', 2), ('ArrowLeft', 1)]:
        page.keyboard.press(key)
        page.wait_for_function("(item) => document.querySelector('.ipyannotator code')?.innerText === item", arg=f'img_{k}.png')
        assert shows(page, COLOURS[k]), (key, k, page.evaluate(CENTRE))
