"""Grid capture in real Chromium through Voila: mouse clicks and keys on thumbnails answer items in the store."""
import json, subprocess, time
from conftest import free_port, jupyter_env, wait_ready
from ipyannotator.app import voila_command
from ipyannotator.datasets import create_classification
from ipyannotator.storage import SQLiteStore

GRID_APP = """from pathlib import Path
from ipyannotator.base import Settings
from ipyannotator.mltypes import InputImage, OutputGridBox
from ipyannotator.annotators.grid import GridTask
task = GridTask(InputImage(image_width=90, image_height=90), OutputGridBox(),
                Settings(project_path=Path({project}), n_rows=2, n_cols=3, annotator='tester'))
task.create(question='Does it show a circle?')"""

# Thumbnails whose image the browser has decoded.
LOADED_THUMBNAILS = """() => Array.from(document.querySelectorAll('.ipyannotator-thumbnail img'))
    .filter(i => i.complete && i.naturalWidth > 0).length"""


def write_notebook(path, source):
    nb = {'cells': [{'cell_type': 'code', 'execution_count': None, 'metadata': {}, 'outputs': [], 'source': source}],
          'metadata': {'kernelspec': {'display_name': 'Python 3', 'language': 'python', 'name': 'python3'}},
          'nbformat': 4, 'nbformat_minor': 5}
    path.write_text(json.dumps(nb))
    return path


def wait_for_answers(store_path, expected, timeout=15):
    "Poll the store until it holds `expected` (item -> value) for tester; return what it holds for those items."
    with SQLiteStore(store_path, author='tester', task='grid') as store:
        end = time.time() + timeout
        while True:
            got = {it: store.get(it) for it in expected}
            if got == expected or time.time() > end: return got
            time.sleep(0.2)


def test_grid_clicks_and_keys_answer_items(browser_page, tmp_path):
    project = create_classification(tmp_path/'shapes', n_items=12, seed=3)
    nb = write_notebook(tmp_path/'grid.ipynb', GRID_APP.format(project=json.dumps(str(project))))
    port = free_port()
    log = open(tmp_path/'voila.log', 'w')
    proc = subprocess.Popen(voila_command(nb, port), cwd=tmp_path, env=jupyter_env(tmp_path/'jupyter'),
                            stdout=log, stderr=subprocess.STDOUT)
    try:
        base = f'http://127.0.0.1:{port}/'
        wait_ready(base + 'voila/static/voila.js', proc)
        page = browser_page
        page.goto(base)
        page.wait_for_selector('.ipyannotator-thumbnail img')
        assert 'Does it show a circle?' in page.inner_text('.ipyannotator')
        page.wait_for_function(f'() => ({LOADED_THUMBNAILS})() === 6')
        cells = page.locator('.ipyannotator-thumbnail')
        assert cells.count() == 6
        items = [cells.nth(k).locator('.widget-label').inner_text().split(' ', 1)[1] for k in range(6)]
        assert items == sorted(items) and len(set(items)) == 6, items

        cells.nth(1).click()                       # mouse: select, unselect, select again
        cells.nth(4).click()
        cells.nth(4).click()
        cells.nth(4).click()
        store_path = project/'results'/'annotations.sqlite'
        yes = {'answer': True}
        got = wait_for_answers(store_path, {items[1]: yes, items[4]: yes})
        assert got == {items[1]: yes, items[4]: yes}, got

        page.hover('.ipyannotator .ipyannotator-keys')
        page.keyboard.press('3')                   # key: the item numbered 3
        got = wait_for_answers(store_path, {items[2]: yes})
        assert got == {items[2]: yes}, got
        with SQLiteStore(store_path, author='tester', task='grid') as store:
            assert store.count() == 3, 'only the items toggled are answered before the page is left'

        page.locator('.ipyannotator-navigator button', has_text='▶').click()   # leave the page
        expected = {it: {'answer': k in (1, 2, 4)} for k, it in enumerate(items)}
        got = wait_for_answers(store_path, expected)
        assert got == expected, got
        page.wait_for_function("() => document.querySelector('.ipyannotator-navigator').innerText.includes('2 / 2')")
    except Exception:
        log.flush()
        print((tmp_path/'voila.log').read_text()[-3000:])
        raise
    finally:
        proc.terminate()
        try: proc.wait(10)
        except subprocess.TimeoutExpired: proc.kill()
        log.close()
