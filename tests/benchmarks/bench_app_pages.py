"""How long a visitor waits for the app (issue 14): `ipyannotator demo` from the command to a usable page, and a new
page on a running server to its first image; side by side for another checkout of the project (`--before PATH`:
the code before a change) and this one, run in turn on the same machine.

    git worktree add /tmp/before HEAD                                  # the last commit, beside the changed tree
    python tests/benchmarks/bench_app_pages.py --before /tmp/before    # demo (first run, warm), pages: 1k, 100k
    python tests/benchmarks/bench_app_pages.py --sizes 1000 --pages 4 --skip-demo      # this checkout only

Each checkout runs as itself: its folder goes first on PYTHONPATH of the command, of Voila and of the kernels.
Timed in headless Chromium: from `page.goto` to the first painted image canvas; the demo from the command's start
to its page's first image, the page asked for as soon as the command says it serves (a user who clicks the link at
once). Pages on a running server are asked for one after another, a few seconds apart (a visitor now and then),
after the server's first page, which is not counted.
"""
import argparse, os, statistics, subprocess, sys, tempfile, time
from pathlib import Path
sys.path.insert(0, str(Path(__file__).parent)); sys.path.insert(0, str(Path(__file__).parents[1]))
from nav_dataset import make_project
from conftest import CHROMIUM_FLAGS, chromium_path, free_port, jupyter_env, wait_ready
from bench_app_browser import PAINTED

COMMAND = str(Path(sys.executable).parent/'ipyannotator')
HERE = Path(__file__).resolve().parents[2]
ISSUE = ('issue 14 (main of that day, under load): a new page on a running server 5.6-10.5 s to its first image; '
         '`ipyannotator demo` 15-25 s to a usable page')


def env_of(checkout: Path, root: Path, name: str) -> dict:
    "The environment running `checkout`'s ipyannotator, with Jupyter's folders in `root`."
    env = jupyter_env(root/f'jupyter_{name}')
    env['PYTHONPATH'] = os.pathsep.join(p for p in (str(checkout), env.get('PYTHONPATH')) if p)
    return env


def first_image(ctx, url: str, timeout: float = 180) -> float:
    "Seconds from opening `url` to its first painted canvas."
    page = ctx.new_page()
    t = time.time(); page.goto(url)
    page.wait_for_function(PAINTED, timeout=timeout*1000)
    took = time.time() - t
    page.close()
    return took


def stop(server: subprocess.Popen):
    server.terminate()
    try: server.wait(20)
    except subprocess.TimeoutExpired: server.kill()


def pages(ctx, checkout: Path, name: str, project: Path, root: Path, n_pages: int) -> list[float]:
    "Seconds to the first image of `n_pages` new pages on one running server of `checkout`."
    port = free_port()
    server = subprocess.Popen([COMMAND, 'serve', str(project), '--label-dir', 'class_images', '--port', str(port)],
                              env=env_of(checkout, root, name), cwd=root, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        url = f'http://127.0.0.1:{port}/'
        wait_ready(url + 'voila/static/voila.js', server, timeout=120)
        first_image(ctx, url)                                   # the server's first page: not counted
        out = []
        for _ in range(n_pages):
            time.sleep(6)                                       # a visitor now and then
            out.append(first_image(ctx, url))
        return out
    finally: stop(server)


def demo(ctx, checkout: Path, name: str, root: Path) -> tuple[float, float]:
    "Seconds from `ipyannotator demo` of `checkout` to its 'serving on' line, and to its page's first image."
    port, t = free_port(), time.time()
    server = subprocess.Popen([COMMAND, 'demo', '--port', str(port), '--path', str(root/f'demo_{name}')],
                              env=env_of(checkout, root, name), cwd=root, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
    try:
        for line in server.stdout:
            if 'serving on' in line: break
        ready = time.time() - t
        page = ctx.new_page(); page.goto(f'http://127.0.0.1:{port}/')
        page.wait_for_function(PAINTED, timeout=180_000)
        usable = time.time() - t
        page.close()
        return ready, usable
    finally: stop(server)


if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--before', type=Path, help='another checkout of the project, shown beside this one')
    ap.add_argument('--sizes', type=int, nargs='*', default=[1000, 100_000], help='project sizes (none: the demo only)')
    ap.add_argument('--pages', type=int, default=4)
    ap.add_argument('--warm-runs', type=int, default=3, help='demo runs after the first (its data made)')
    ap.add_argument('--skip-demo', action='store_true')
    a = ap.parse_args()
    if not chromium_path(): sys.exit('chromium not found: apt-get install -y --no-install-recommends chromium')
    checkouts = {**({'before': a.before.resolve()} if a.before else {}), 'now': HERE}
    from playwright.sync_api import sync_playwright
    with tempfile.TemporaryDirectory() as d, sync_playwright() as pw:
        root = Path(d)
        ctx = pw.chromium.launch_persistent_context(str(root/'profile'), executable_path=chromium_path(), headless=True,
                                                   args=CHROMIUM_FLAGS, viewport={'width': 1280, 'height': 900})
        print(f"checkouts: {', '.join(f'{k} = {v}' for k, v in checkouts.items())}; {os.cpu_count()} cores, "
              f"load {os.getloadavg()[0]:.1f}\n", flush=True)
        if not a.skip_demo:
            runs = {k: [] for k in checkouts}
            for run in range(1 + a.warm_runs):               # in turn, so both see the same machine
                for name, checkout in checkouts.items(): runs[name].append(demo(ctx, checkout, name, root))
            head = f"{'ipyannotator demo, s':<24} | " + ' | '.join(f'{k + ": serving, image":>24}' for k in checkouts)
            print(head); print('-' * len(head))
            for label, sel in (('first run (makes data)', lambda r: r[:1]), ('warm (median)', lambda r: r[1:])):
                med = lambda r, i: statistics.median(x[i] for x in sel(r))
                cells = [f"{med(r, 0):>11.1f}, {med(r, 1):>11.1f}" for r in runs.values()]
                print(f'{label:<24} | ' + ' | '.join(f'{c:>24}' for c in cells), flush=True)
            print()
        head = (f"{'images':>8} | {'pages':>5} | " +
                ' | '.join(f'{k + ": median, max s":>22}' for k in checkouts))
        print(head); print('-' * len(head))
        for n in a.sizes:
            project = make_project(root/f'n{n}', n)
            ts = {name: pages(ctx, checkout, name, project, root, a.pages) for name, checkout in checkouts.items()}
            print(f'{n:>8,} | {a.pages:>5} | ' + ' | '.join(f'{statistics.median(t):>13.2f}, {max(t):>6.2f}'
                                                           for t in ts.values()), flush=True)
        ctx.close()
    print(f'\n{ISSUE}.')
