"""In Chromium through Voila: time from a key press to the next image painted on the canvas, median and p95
over 50 steps, and how many steps show a blank canvas between two images; plus the first paint on page load.

    python tests/benchmarks/bench_app_browser.py                 # 50 and 5,000 images
    python tests/benchmarks/bench_app_browser.py --sizes 5000 --steps 50

Serves `ipyannotator serve` on a generated project (tests/benchmarks/nav_dataset.py), opens it in headless
Chromium (Debian's, through Playwright), and watches the image canvas on every animation frame.
"""
import argparse, statistics, subprocess, sys, tempfile, time
from pathlib import Path
sys.path.insert(0, str(Path(__file__).parent)); sys.path.insert(0, str(Path(__file__).parents[1]))
from nav_dataset import make_project
from conftest import CHROMIUM_FLAGS, chromium_path, free_port, jupyter_env, wait_ready

# On every animation frame, record a signature of the image canvas (sampled pixels) and whether it is blank.
WATCH = """() => {
  const canvas = document.querySelector('.ipyannotator canvas');
  const ctx = canvas.getContext('2d', {willReadFrequently: true});
  window.__frames = []; window.__keyAt = [];
  document.addEventListener('keydown', () => window.__keyAt.push(performance.now()), true);
  const step = () => {
    const d = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
    let sig = 0, painted = 0;
    for (let i = 0; i < d.length; i += 4 * 97) { sig = (sig * 31 + d[i] + 7 * d[i + 1] + 13 * d[i + 2]) % 1000000007; if (d[i + 3]) painted++; }
    window.__frames.push([performance.now(), sig, painted]);
    requestAnimationFrame(step);
  };
  requestAnimationFrame(step);
}"""


def measure(page, steps: int) -> tuple[list[float], int]:
    "Milliseconds from each key press to the first frame showing a new image, and the number of blank frames seen."
    page.hover('.ipyannotator canvas')
    page.evaluate(WATCH)
    time.sleep(0.5)
    latencies, blanks = [], 0
    for _ in range(steps):
        before = page.evaluate('() => window.__frames.length')
        last_sig = page.evaluate('() => window.__frames[window.__frames.length - 1][1]')
        page.keyboard.press('ArrowRight')
        deadline = time.time() + 5
        while time.time() < deadline:
            res = page.evaluate("""([start, sig]) => {
                const key = window.__keyAt[window.__keyAt.length - 1];
                const fs = window.__frames.slice(start).filter(f => f[0] >= key);
                const hit = fs.find(f => f[1] !== sig && f[2] > 0);
                return hit ? [hit[0] - key, fs.filter(f => f[0] <= hit[0] && f[2] === 0).length] : null; }""", [before, last_sig])
            if res: latencies.append(res[0]); blanks += res[1] > 0; break
            time.sleep(0.01)
        time.sleep(0.15)
    return latencies, blanks


def run(n_items: int, steps: int, root: Path) -> dict:
    from playwright.sync_api import sync_playwright
    project = make_project(root/f'n{n_items}', n_items)
    port = free_port()
    server = subprocess.Popen([str(Path(sys.executable).parent/'ipyannotator'), 'serve', str(project), '--label-dir', 'class_images',
                               '--port', str(port), '--annotator', 'bench'], env=jupyter_env(root/'jupyter'), cwd=root,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        base = f'http://127.0.0.1:{port}/'
        wait_ready(base + 'voila/static/voila.js', server)
        with sync_playwright() as pw:
            ctx = pw.chromium.launch_persistent_context(str(root/f'profile{n_items}'), executable_path=chromium_path(), headless=True,
                                                        args=CHROMIUM_FLAGS, viewport={'width': 1280, 'height': 900})
            page = ctx.new_page()
            t = time.time(); page.goto(base)
            page.wait_for_function("""() => { const c = document.querySelector('.ipyannotator canvas'); if (!c || !c.width) return false;
                const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                for (let i = 3; i < d.length; i += 400) if (d[i]) return true; return false; }""", timeout=60_000)
            first_paint = time.time() - t
            latencies, blanks = measure(page, steps)
            ctx.close()
    finally:
        server.terminate(); server.wait(10)
    return dict(first_paint=first_paint, latencies=latencies, blanks=blanks)


if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--sizes', type=int, nargs='+', default=[50, 5000])
    ap.add_argument('--steps', type=int, default=50)
    a = ap.parse_args()
    if not chromium_path(): sys.exit('chromium not found: apt-get install -y --no-install-recommends chromium')
    with tempfile.TemporaryDirectory() as d:
        head = f"{'images':>7} | {'steps':>5} | {'key->paint median ms':>20} | {'p95 ms':>7} | {'steps with a blank frame':>24} | {'page load->first paint s':>24}"
        print(head); print('-' * len(head))
        for n in a.sizes:
            r = run(n, a.steps, Path(d))
            ms = sorted(r['latencies'])
            p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))] if ms else float('nan')
            print(f"{n:>7} | {len(ms):>5} | {statistics.median(ms) if ms else float('nan'):>20.1f} | {p95:>7.1f} | {r['blanks']:>24} | {r['first_paint']:>24.2f}")
    print("\nkey->paint: from the keydown in the page to the first animation frame whose image canvas differs and is not blank.")
