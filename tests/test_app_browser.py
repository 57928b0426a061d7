"""The Voila app in real Chromium: the image is painted, keys label into the store, and a task of the user's own
module (the one the tutorial `nbs/56_tutorial_own_task.ipynb` writes) is served by
`ipyannotator serve --task module:Class`.
The server caps the pages served at once (kernels prepared ahead of visitors count in the cap) and ends the kernels
of closed pages, and the page fetches nothing from outside 127.0.0.1."""
import json, time, urllib.parse
from pathlib import Path
from ipyannotator.mltypes import default_task_name
from ipyannotator.storage import SQLiteStore

REPO = Path(__file__).resolve().parents[1]

# Count the pixels painted on the canvases of the page (an unpainted canvas is fully transparent).
PAINTED_PIXELS = """() => Array.from(document.querySelectorAll('canvas')).reduce((n, c) => {
    if (!c.width || !c.height) return n;
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let k = 0; for (let i = 3; i < d.length; i += 4) if (d[i] > 0) k++;
    return n + k; }, 0)"""

ITEM_SHOWN = "(item) => document.querySelector('.ipyannotator code')?.innerText === item"


def painted(page, timeout=30):
    "Wait until some canvas pixel is painted; return how many are."
    end = time.time() + timeout
    while time.time() < end:
        n = page.evaluate(PAINTED_PIXELS)
        if n > 0: return n
        time.sleep(0.2)
    return 0


def stored(store, item, timeout=10):
    "The value of `item` in `store`, waiting up to `timeout` seconds for the kernel to write it."
    deadline = time.time() + timeout
    while store.get(item) is None and time.time() < deadline: time.sleep(0.2)
    return store.get(item)


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
    page.wait_for_function("(first) => document.querySelector('.ipyannotator code').innerText !== first",
                           arg=first_item)

    classes = sorted(p.name for p in next((tmp_path/'demo').rglob('class_images')).iterdir())
    store_path = next((tmp_path/'demo').rglob('annotations.sqlite'))
    with SQLiteStore(store_path, author='tester', task=default_task_name('labels', classes)) as store:
        label = stored(store, first_item)
    assert label is not None and len(label) == 1, f'no label stored for {first_item}'
    assert label == [classes[0]], f'key 1 should pick the first class {classes[0]}, stored {label}'


def tutorial_module() -> str:
    "The source of `reviews_task.py`, as the tutorial writes it (its cell `reviews_task_py = '''...'''`)."
    nb = json.loads((REPO/'nbs'/'56_tutorial_own_task.ipynb').read_text(encoding='utf-8'))
    sources = [''.join(c['source']) for c in nb['cells'] if c['cell_type'] == 'code']
    cell = next(s for s in sources if s.startswith("reviews_task_py = '''"))
    names = {}
    exec(cell, names)
    return names['reviews_task_py']


REVIEWS = [('r1', 'Arrived in two days and works as described.'),
           ('r2', 'The box promises <b>bold</b> quality: it is thin plastic.'),
           ('r3', 'Fine.')]


def test_own_task_from_a_user_module(ipyannotator_server, browser_page, tmp_path):
    work = tmp_path/'work'   # the user's folder: their module, and the project beside it
    (work/'shop').mkdir(parents=True)
    (work/'reviews_task.py').write_text(tutorial_module(), encoding='utf-8')
    (work/'shop'/'reviews.jsonl').write_text(''.join(json.dumps({'id': i, 'text': t}) + '\n' for i, t in REVIEWS),
                                             encoding='utf-8')
    base = ipyannotator_server('serve', 'shop', '--task', 'reviews_task:ReviewRating', '--grades', 'bad,ok,good',
                               '--annotator', 'tester', cwd=work)
    page = browser_page
    page.goto(base)
    page.wait_for_selector('.ipyannotator .ipyannotator-keys')
    page.wait_for_function(ITEM_SHOWN, arg='r1')
    text = page.locator('.ipyannotator-keys .widget-html-content')
    assert text.inner_text() == REVIEWS[0][1]

    page.hover('.ipyannotator-keys')                      # keys are taken while the pointer is over the annotator
    page.keyboard.press('3')
    page.wait_for_selector('.ipyannotator-keys button.mod-active:has-text("good")')
    page.keyboard.press('ArrowRight')
    page.wait_for_function(ITEM_SHOWN, arg='r2')
    assert text.inner_text() == REVIEWS[1][1], 'the markup of a review must show as text'
    assert text.locator('b').count() == 0, 'the markup of a review reached the page as HTML'
    page.keyboard.press('1')
    page.keyboard.press('ArrowRight')
    page.wait_for_function(ITEM_SHOWN, arg='r3')

    path = work/'shop'/'results'/'annotations.sqlite'
    with SQLiteStore(path, author='tester', task='rating:bad,good,ok') as store:
        assert (stored(store, 'r1'), stored(store, 'r2')) == (['good'], ['bad'])
        assert store.get('r3') is None
        assert store.tasks() == ['rating:bad,good,ok'], 'values stored under another task name'


def rss_mb(pids) -> float:
    "The resident memory of processes `pids`, in MB."
    total = 0
    for pid in pids:
        try: lines = Path(f'/proc/{pid}/status').read_text().splitlines()
        except OSError: continue
        total += next((int(l.split()[1]) for l in lines if l.startswith('VmRSS')), 0)
    return total / 1024


def test_pages_beyond_the_cap_are_told_the_server_is_full_and_closed_pages_end(app_server, browser, tmp_path):
    from conftest import descendants
    s = app_server('demo', '--path', str(tmp_path/'demo'), '--max-kernels', '2', '--idle-timeout', '4')
    pages = [browser.new_page() for _ in range(3)]
    for page in pages[:2]:
        page.goto(s.url)
        page.wait_for_selector('.ipyannotator canvas', state='attached')
    assert s.kernels() == 2, 'more kernels than the cap (kernels prepared ahead count in it)'
    kernel_pids = {pid for pid, cmd in descendants(s.process.pid) if 'ipykernel' in cmd}
    print(f'\n2 open pages: {s.kernels()} kernels, {rss_mb(kernel_pids):.0f} MB resident')

    response = pages[2].goto(s.url)                 # one page too many
    assert response.status == 503
    assert pages[2].inner_text('h2') == 'The server is full'
    assert 'It serves at most 2 pages at once. This page tries again in a minute.' in pages[2].inner_text('body')
    assert s.kernels() == 2, 'the refused page started a kernel'

    time.sleep(8)                                   # twice the idle timeout: the kernels of open pages stay
    assert s.kernels() == 2
    first = pages[0].inner_text('.ipyannotator code')
    pages[0].hover('.ipyannotator canvas')
    pages[0].keyboard.press('ArrowRight')
    pages[0].wait_for_function("(f) => document.querySelector('.ipyannotator code').innerText !== f", arg=first)

    t0 = time.monotonic()
    for page in pages[:2]: page.close()             # closed without unload handlers: a crashed tab, a lost connection
    alive = lambda: kernel_pids & {pid for pid, _ in descendants(s.process.pid)}
    while alive() and time.monotonic() - t0 < 30: time.sleep(0.5)
    assert not alive(), 'the kernels of closed pages did not end'
    print(f'kernels of the closed pages ended {time.monotonic() - t0:.1f} s after the pages closed (idle timeout 4 s)')
    assert "Culling 'idle' kernel" in s.log()
    assert s.kernels() <= 2                         # the room is prepared again, within the cap
    pages[2].reload()                               # room again
    pages[2].wait_for_selector('.ipyannotator canvas', state='attached')


def test_the_page_fetches_nothing_from_outside(ipyannotator_server, browser_page, tmp_path):
    url = ipyannotator_server('demo', '--path', str(tmp_path/'demo'), '--annotator', 'tester')
    page, outside = browser_page, []
    def only_local(route):
        if urllib.parse.urlsplit(route.request.url).hostname in ('127.0.0.1', None): route.continue_()
        else: outside.append(route.request.url); route.abort()
    page.route('**/*', only_local)                  # as offline: anything for another host fails, and is noted
    page.goto(url)
    page.wait_for_selector('.ipyannotator canvas', state='attached')
    assert painted(page) > 10_000
    page.hover('.ipyannotator canvas')
    for key in ['1', 'ArrowRight', '2', 'ArrowRight']: page.keyboard.press(key)
    for phase in ['explore', 'improve', 'create']:
        page.click(f'.widget-toggle-buttons :text-is("{phase}")')
        page.wait_for_function("(p) => document.querySelector('.widget-toggle-buttons .mod-active')?.innerText === p",
                               arg=phase)
        time.sleep(1.5)
        if phase == 'improve':                      # its button's icon: drawn with the Font Awesome Voila bundles
            icons = page.locator('i.fa')
            assert icons.count() > 0, 'no icon to check'
            assert 'Font Awesome' in icons.first.evaluate("e => getComputedStyle(e, '::before').fontFamily")
            page.wait_for_function("() => Array.from(document.fonts)"
                                   ".some(f => f.family.includes('Font Awesome') && f.status === 'loaded')")
    assert outside == [], f'the page fetched from outside 127.0.0.1: {outside}'
