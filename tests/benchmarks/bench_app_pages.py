"""How long a visitor waits for the app (issue 14): `ipyannotator demo` from the command to a usable page, and a new page
on a running server to its first image, as the app serves it today and with Voila's preheated kernels (an experiment
beside the app: its notebook split at `voila.utils.wait_for_request()`, the work that does not depend on the visitor
done before it; Voila's `prelaunch_hook`, which the app uses to cap its kernels, cannot be combined with preheating).

    python tests/benchmarks/bench_app_pages.py                    # demo (twice: cold, then warm), pages at 1k and 100k images
    python tests/benchmarks/bench_app_pages.py --sizes 1000 --pages 4 --skip-demo

Timed in headless Chromium: from `page.goto` to the first painted image canvas; the demo from the command's start to
its page's first image. Pages are loaded one after another, a few seconds apart (a preheated pool refills meanwhile).
"""
import argparse, json, os, re, statistics, subprocess, sys, tempfile, time
from pathlib import Path
sys.path.insert(0, str(Path(__file__).parent)); sys.path.insert(0, str(Path(__file__).parents[1]))
from nav_dataset import make_project
from conftest import CHROMIUM_FLAGS, chromium_path, free_port, jupyter_env, wait_ready
from bench_app_browser import PAINTED

COMMAND = str(Path(sys.executable).parent/'ipyannotator')
ISSUE = 'before (issue 14): a new page on a running server 5.6-10.5 s to its first image; `ipyannotator demo` 15-25 s to a usable page'

# The app's notebook, split: what does not depend on the visitor first, then Voila's wait for the request, then the page.
PREHEATED = ['''import os, json
from pathlib import Path
from ipyannotator.app import App, AppConfig, CONFIG_ENV, annotator_for, annotator_from_query
config = AppConfig(**json.loads(Path(os.environ[CONFIG_ENV]).read_text()))
setup = config.setup()
annotator = annotator_for(config, None, setup)
task = annotator.task
task.source, task.ground_truth(), task.store      # listed, read, opened: before any visitor''',
'''from voila.utils import wait_for_request
wait_for_request()''',
'''name = annotator_from_query(os.environ.get('QUERY_STRING'))
if name and name != annotator.settings.annotator: annotator = annotator_for(config, name, setup)
App(annotator, config.phase, setup.phase_options)''']


def first_image(ctx, url: str, timeout: float = 180) -> float:
    "Seconds from opening `url` to its first painted canvas."
    page = ctx.new_page()
    t = time.time(); page.goto(url)
    page.wait_for_function(PAINTED, timeout=timeout*1000)
    took = time.time() - t
    page.close()
    return took


def prepare_preheated(project: Path, folder: Path, pool: int) -> Path:
    "The app's server folder for `project`, its notebook split at `wait_for_request`, Voila's kernels preheated."
    from ipyannotator.app import parse_command, write_app
    _, config = parse_command(['serve', str(project), '--label-dir', 'class_images'])
    notebook = write_app(folder, config)
    voila = (folder/'config'/'voila.py').read_text()
    voila = re.sub(r'.*prelaunch_hook.*\n', '', voila) + (f'c.VoilaConfiguration.preheat_kernel = True\n'
                                                          f'c.VoilaConfiguration.default_pool_size = {pool}\n')
    (folder/'config'/'voila.py').write_text(voila)
    cells = [{'cell_type': 'code', 'execution_count': None, 'id': f'c{k}', 'metadata': {}, 'outputs': [], 'source': s}
             for k, s in enumerate(PREHEATED)]
    nb = json.loads(notebook.read_text()); nb['cells'] = cells
    notebook.write_text(json.dumps(nb))
    return notebook


def pages(ctx, project: Path, root: Path, how: str, n_pages: int, pool: int) -> list[float]:
    "Seconds to the first image of `n_pages` new pages on one running server (`how`: 'app' as served today, 'preheated')."
    port, env = free_port(), jupyter_env(root/f'jupyter_{how}')
    if how == 'app':
        server = subprocess.Popen([COMMAND, 'serve', str(project), '--label-dir', 'class_images', '--port', str(port)],
                                  env=env, cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    else:
        from ipyannotator.app import CONFIG_ENV, voila_command
        folder = root/f'preheated_{port}'
        notebook = prepare_preheated(project, folder, pool)
        env = {**env, CONFIG_ENV: str(folder/'config.json'), 'JUPYTER_PATH': str(folder/'jupyter')}
        server = subprocess.Popen(voila_command(notebook, port), env=env, cwd=folder,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f'http://127.0.0.1:{port}/'
        wait_ready(url + 'voila/static/voila.js', server, timeout=120)
        if how == 'preheated': time.sleep(10 + 2*pool)          # the pool's kernels run the notebook up to the wait
        first_image(ctx, url)                                   # the server's first page: not counted
        out = []
        for _ in range(n_pages):
            time.sleep(6)                                       # a visitor now and then; the pool refills
            out.append(first_image(ctx, url))
        return out
    finally:
        server.terminate()
        try: server.wait(20)
        except subprocess.TimeoutExpired: server.kill()


def demo(ctx, root: Path) -> tuple[float, float]:
    "Seconds from `ipyannotator demo` to its 'serving' line, and to its page's first image."
    port = free_port()
    t = time.time()
    server = subprocess.Popen([COMMAND, 'demo', '--port', str(port), '--path', str(root/'demo')], env=jupyter_env(root/'jupyter_demo'),
                              cwd=root, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        for line in server.stdout:
            if 'serving on' in line: break
        ready = time.time() - t
        page = ctx.new_page(); page.goto(f'http://127.0.0.1:{port}/')
        page.wait_for_function(PAINTED, timeout=180_000)
        usable = time.time() - t
        page.close()
        return ready, usable
    finally:
        server.terminate()
        try: server.wait(20)
        except subprocess.TimeoutExpired: server.kill()


if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--sizes', type=int, nargs='+', default=[1000, 100_000])
    ap.add_argument('--pages', type=int, default=4)
    ap.add_argument('--pool', type=int, default=2, help='preheated kernels kept ready')
    ap.add_argument('--skip-demo', action='store_true')
    a = ap.parse_args()
    if not chromium_path(): sys.exit('chromium not found: apt-get install -y --no-install-recommends chromium')
    from playwright.sync_api import sync_playwright
    with tempfile.TemporaryDirectory() as d, sync_playwright() as pw:
        root = Path(d)
        ctx = pw.chromium.launch_persistent_context(str(root/'profile'), executable_path=chromium_path(), headless=True,
                                                   args=CHROMIUM_FLAGS, viewport={'width': 1280, 'height': 900})
        if not a.skip_demo:
            for run in ('first run (makes the demo data)', 'warm (data made)'):
                ready, usable = demo(ctx, root)
                print(f'ipyannotator demo, {run}: serving after {ready:.1f} s, first image after {usable:.1f} s', flush=True)
            print()
        head = f"{'images':>8} | {'server':<32} | {'pages':>5} | {'median s':>8} | {'max s':>6}"
        print(head); print('-' * len(head))
        for n in a.sizes:
            project = make_project(root/f'n{n}', n)
            for how, label in (('app', 'the app as served today'), ('preheated', f'preheated kernels (pool {a.pool})')):
                ts = pages(ctx, project, root, how, a.pages, a.pool)
                print(f'{n:>8,} | {label:<32} | {len(ts):>5} | {statistics.median(ts):>8.2f} | {max(ts):>6.2f}', flush=True)
        ctx.close()
    print(f'\n{ISSUE}.')
