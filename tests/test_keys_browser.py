"""Keys, layout and failures of the annotators in real Chromium through Voila: keys act page-wide (the pointer
anywhere, not only over the image) but never while the user types in a text field; the key map is one visible
click away; twenty label buttons sit together; a write the store refuses says so on the status line; the box
toolbar shows its fit button."""
import json, subprocess, time
import pytest
from conftest import free_port, jupyter_env, wait_ready
from ipyannotator.app import voila_command
from ipyannotator.datasets import create_classification, create_detection
from ipyannotator.mltypes import OutputLabel
from ipyannotator.storage import SQLiteStore

CLASSES = [f'class {k:02d}' for k in range(1, 21)]     # more than ten: the picker shows its filter box
TASK = OutputLabel(class_labels=CLASSES).task_name()

LABELS_APP = """from pathlib import Path
from ipyannotator.base import Settings
from ipyannotator.mltypes import InputImage, OutputLabel
from ipyannotator.storage import SQLiteStore
from ipyannotator.annotators.classification import ClassificationTask
class FullDisk(SQLiteStore):
    "Every write fails, as on a full disk."
    def put(self, *a, **k): raise OSError('database or disk is full')
task = ClassificationTask(InputImage(image_width=300, image_height=200), OutputLabel(class_labels={classes!r}),
                          Settings(project_path=Path({project!r}), annotator='tester'))
if {full!r}: task._store = FullDisk(Path({project!r})/'results'/'annotations.sqlite', author='tester', task=task.task_name)
task.create()"""

BOXES_APP = """from pathlib import Path
from ipyannotator.base import Settings
from ipyannotator.mltypes import InputImage, OutputImageBbox
from ipyannotator.annotators.bbox import BboxTask
BboxTask(InputImage(image_width=320, image_height=240), OutputImageBbox(classes=['circle', 'square', 'triangle']),
         Settings(project_path=Path({project!r}), annotator='tester')).create()"""

ITEM = "() => document.querySelector('.ipyannotator code')?.innerText"


@pytest.fixture
def voila(tmp_path):
    "Serve a one-cell notebook with Voila; yields a function(source) -> base URL."
    procs = []
    def serve(source):
        nb = tmp_path/f'app{len(procs)}'/'app.ipynb'
        nb.parent.mkdir()
        nb.write_text(json.dumps({'cells': [{'cell_type': 'code', 'execution_count': None, 'metadata': {}, 'outputs': [],
                                             'source': source}],
                                  'metadata': {'kernelspec': {'display_name': 'Python 3', 'language': 'python', 'name': 'python3'}},
                                  'nbformat': 4, 'nbformat_minor': 5}))
        port, log = free_port(), open(nb.parent/'voila.log', 'w')
        procs.append(subprocess.Popen(voila_command(nb, port), cwd=nb.parent, env=jupyter_env(tmp_path/'jupyter'),
                                      stdout=log, stderr=subprocess.STDOUT))
        base = f'http://127.0.0.1:{port}/'
        try: wait_ready(base + 'voila/static/voila.js', procs[-1])
        except Exception: raise RuntimeError((nb.parent/'voila.log').read_text()[-3000:])
        return base
    yield serve
    for p in procs:
        p.terminate()
        try: p.wait(10)
        except subprocess.TimeoutExpired: p.kill()


def stored(path, item, timeout=10):
    "The value of `item` in the store at `path`, once the kernel has written it (None after `timeout` s)."
    end = time.time() + timeout
    while time.time() < end:
        if path.exists():
            with SQLiteStore(path, author='tester', task=TASK) as store:
                if (v := store.get(item)) is not None: return v
        time.sleep(0.2)
    return None


def open_labels(page, base):
    page.goto(base)
    page.wait_for_selector('.ipyannotator canvas', state='attached')
    page.wait_for_selector('.ipyannotator-keys button:has-text("class 20")', state='attached')
    page.wait_for_function(f'() => ({ITEM})()')


def test_keys_act_page_wide_but_not_in_a_text_field(voila, browser_page, tmp_path):
    project = create_classification(tmp_path/'shapes', n_items=4, seed=1)
    page = browser_page
    open_labels(page, voila(LABELS_APP.format(classes=CLASSES, project=str(project), full=False)))
    first = page.evaluate(ITEM)
    canvas = page.locator('.ipyannotator canvas').first.bounding_box()
    page.mouse.move(1270, 10)                              # the top-right corner of the page: far from the image
    assert not (canvas['x'] <= 1270 <= canvas['x'] + canvas['width'] and canvas['y'] <= 10 <= canvas['y'] + canvas['height'])
    page.keyboard.press('2')
    store_path = project/'results'/'annotations.sqlite'
    assert stored(store_path, first) == ['class 02'], 'a digit pressed with the pointer away from the image did not label'
    page.keyboard.press('ArrowRight')
    page.wait_for_function(f'(first) => ({ITEM})() !== first', arg=first)
    second = page.evaluate(ITEM)

    # in the filter box, keys type: no label, no move
    box = page.locator('.ipyannotator input[placeholder="filter classes"]')
    box.click()
    page.keyboard.type('1')
    page.keyboard.press('ArrowRight')
    page.keyboard.press('n')
    time.sleep(1.0)
    assert box.input_value() == '1n', box.input_value()
    assert page.evaluate(ITEM) == second, 'a key typed in the filter box moved to another item'
    assert stored(store_path, second, timeout=1) is None, 'a digit typed in the filter box labelled the item'
    box.fill('')

    # out of the text field again (a click on the page), keys act; `?` and the visible `? keys` button show the key map
    page.mouse.click(1270, 10)
    help_table = page.locator('.ipyannotator table.ipyannotator-keys')
    assert not help_table.is_visible()
    page.keyboard.press('?')
    help_table.wait_for(state='visible', timeout=10_000)
    hint = page.locator('.ipyannotator button:has-text("? keys")')
    assert hint.is_visible()
    hint.click()
    help_table.wait_for(state='hidden', timeout=10_000)


def test_twenty_label_buttons_sit_together(voila, browser_page, tmp_path):
    project = create_classification(tmp_path/'shapes', n_items=2, seed=1)
    page = browser_page
    open_labels(page, voila(LABELS_APP.format(classes=CLASSES, project=str(project), full=False)))
    tops = sorted({round(b['y']) for b in (page.locator(f'.ipyannotator-keys button:has-text("{c}")').bounding_box()
                                          for c in CLASSES)})
    gaps = [b - a for a, b in zip(tops, tops[1:])]
    assert gaps and max(gaps) <= 40, f'rows of label buttons are {gaps} px apart (a button is about 30 px high)'


def test_a_failed_write_says_so_on_the_status_line(voila, browser_page, tmp_path):
    project = create_classification(tmp_path/'shapes', n_items=3, seed=1)
    page = browser_page
    open_labels(page, voila(LABELS_APP.format(classes=CLASSES, project=str(project), full=True)))
    page.keyboard.press('1')
    page.wait_for_selector('.ipyannotator :text("not saved: database or disk is full")', timeout=15_000)
    status = page.locator('.ipyannotator span:has-text("not saved")').first
    assert 'rgb(176, 0, 32)' in status.evaluate('e => getComputedStyle(e).color')    # red, #b00020
    assert 'Traceback' not in page.inner_text('body'), 'a traceback reached the page'
    assert page.locator('.ipyannotator-keys button.mod-info').count() == 0, 'the label shows as picked, but was not saved'


def test_box_toolbar_shows_fit_and_arrows_move_from_anywhere(voila, browser_page, tmp_path):
    project = create_detection(tmp_path/'det', n_items=3, image_size=(640, 480), seed=1)
    page = browser_page
    page.goto(voila(BOXES_APP.format(project=str(project))))
    page.wait_for_selector('.ipyannotator .ipyannotator-canvas canvas', state='attached')
    page.wait_for_function(f'() => ({ITEM})()')
    assert page.locator('.ipyannotator button:has-text("fit")').is_visible(), 'the fit button is hidden'
    assert not page.locator('.ipyannotator button:has-text("accept suggestions")').is_visible()
    first = page.evaluate(ITEM)
    page.mouse.move(1270, 890)
    page.keyboard.press('ArrowRight')                      # no box selected: the arrows go to the next item
    page.wait_for_function(f'(first) => ({ITEM})() !== first', arg=first, timeout=10_000)


def test_improve_digits_pick_the_right_label(voila, browser_page, tmp_path):
    project = create_classification(tmp_path/'shapes', n_items=3, seed=1)
    page = browser_page
    page.goto(voila(LABELS_APP.format(classes=CLASSES, project=str(project), full=False).replace('task.create()', 'task.improve()')))
    page.wait_for_selector('button:has-text("2 class 02")')
    page.mouse.move(1270, 890)
    page.keyboard.press('2')                               # the digit shown on the button of the right label
    page.wait_for_selector('button.mod-info:has-text("2 class 02")', timeout=10_000)
