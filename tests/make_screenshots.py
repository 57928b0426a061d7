"""Screenshots of the app in each phase, for the tutorials: `python tests/make_screenshots.py` writes nbs/images/*.png.

Starts `ipyannotator demo` on a free port in a temporary folder, opens it in headless Chromium, labels a few
items with the keys, and captures explore, create and improve."""
import sys, tempfile, time
from pathlib import Path
sys.path.insert(0, str(Path(__file__).parent))
from conftest import CHROMIUM_FLAGS, chromium_path, free_port, jupyter_env, wait_ready
import subprocess

OUT = Path(__file__).parents[1]/'nbs'/'images'


def main():
    from playwright.sync_api import sync_playwright
    tmp = Path(tempfile.mkdtemp())
    port = free_port()
    server = subprocess.Popen([str(Path(sys.executable).parent/'ipyannotator'), 'demo', '--path', str(tmp/'demo'),
                               '--port', str(port), '--annotator', 'tutorial'], env=jupyter_env(tmp/'jupyter'), cwd=tmp,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        base = f'http://127.0.0.1:{port}/'
        wait_ready(base + 'voila/static/voila.js', server)
        with sync_playwright() as pw:
            ctx = pw.chromium.launch_persistent_context(str(tmp/'profile'), executable_path=chromium_path(), headless=True,
                                                        args=CHROMIUM_FLAGS, viewport={'width': 1100, 'height': 820})
            page = ctx.new_page()
            page.goto(base)
            page.wait_for_selector('.ipyannotator canvas')
            time.sleep(1.5)
            page.hover('.ipyannotator canvas')
            for key in ['1', 'Enter', '2', 'Enter', '1', 'Enter', '3', 'Enter', '2']: page.keyboard.press(key); time.sleep(0.15)
            time.sleep(0.5)
            OUT.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(OUT/'tutorial_classification_create.png'), full_page=True)
            for phase in ['explore', 'improve']:
                page.click(f'.widget-toggle-button:has-text("{phase}")')
                time.sleep(2)
                page.screenshot(path=str(OUT/f'tutorial_classification_{phase}.png'), full_page=True)
            ctx.close()
    finally:
        server.terminate(); server.wait(10)
    print('written:', *sorted(p.name for p in OUT.glob('tutorial_classification_*.png')))


if __name__ == '__main__': main()
