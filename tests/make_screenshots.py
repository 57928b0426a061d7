"""Screenshots of the app in each phase, for the tutorials: `python tests/make_screenshots.py` writes nbs/images/*.png.

For each task (labels, boxes, grid, video) starts `ipyannotator demo --task TASK` on a free port in a temporary folder,
opens it in headless Chromium, annotates a little with the mouse and keys, and captures create, explore and improve."""
import subprocess, sys, tempfile, time
from pathlib import Path
sys.path.insert(0, str(Path(__file__).parent))
from conftest import CHROMIUM_FLAGS, chromium_path, free_port, jupyter_env, wait_ready

OUT = Path(__file__).parents[1]/'nbs'/'images'
NAMES = {'labels': 'classification', 'boxes': 'bbox', 'grid': 'grid', 'video': 'video'}


def annotate(page, task):
    "A few annotations, as a person would make them."
    if task == 'labels':
        page.hover('.ipyannotator canvas')
        for key in ['1', 'Enter', '2', 'Enter', '1', 'Enter', '3', 'Enter', '2']: page.keyboard.press(key); time.sleep(0.15)
    elif task == 'video':
        box = page.locator('.ipyannotator canvas').first.bounding_box()
        x, y = box['x'], box['y']
        page.mouse.move(x + 100, y + 120); page.mouse.down(); page.mouse.move(x + 180, y + 200, steps=8); page.mouse.up()
        time.sleep(0.3); page.hover('.ipyannotator canvas'); page.keyboard.press('1')
        for _ in range(5): page.keyboard.press('.'); time.sleep(0.2)
    elif task == 'boxes':
        box = page.locator('.ipyannotator canvas').first.bounding_box()
        x, y = box['x'], box['y']
        page.mouse.move(x + 120, y + 90); page.mouse.down(); page.mouse.move(x + 260, y + 220, steps=8); page.mouse.up()
        time.sleep(0.3); page.hover('.ipyannotator canvas'); page.keyboard.press('2')
    else:
        cells = page.locator('.ipyannotator-thumbnail')
        for k in (0, 2, 5): cells.nth(k).click(); time.sleep(0.2)
    time.sleep(0.8)


def shoot(task, tmp, pw):
    port = free_port()
    server = subprocess.Popen([str(Path(sys.executable).parent/'ipyannotator'), 'demo', '--task', task, '--path', str(tmp/'demo'),
                               '--port', str(port), '--annotator', 'tutorial'], env=jupyter_env(tmp/'jupyter'), cwd=tmp,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        base = f'http://127.0.0.1:{port}/'
        wait_ready(base + 'voila/static/voila.js', server)
        ctx = pw.chromium.launch_persistent_context(str(tmp/f'profile-{task}'), executable_path=chromium_path(), headless=True,
                                                    args=CHROMIUM_FLAGS, viewport={'width': 1100, 'height': 820})
        page = ctx.new_page()
        page.goto(base)
        page.wait_for_selector('.ipyannotator')
        time.sleep(2)
        annotate(page, task)
        name = NAMES[task]
        page.screenshot(path=str(OUT/f'tutorial_{name}_create.png'), full_page=True)
        for phase in ['explore', 'improve']:
            page.click(f'.widget-toggle-button:has-text("{phase}")')
            time.sleep(2.5)
            page.screenshot(path=str(OUT/f'tutorial_{name}_{phase}.png'), full_page=True)
        ctx.close()
    finally:
        server.terminate(); server.wait(10)


def main(tasks):
    from playwright.sync_api import sync_playwright
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        for task in tasks: shoot(task, Path(tempfile.mkdtemp()), pw)
    print('written:', *sorted(p.name for p in OUT.glob('tutorial_*.png')))


if __name__ == '__main__': main(sys.argv[1:] or list(NAMES))
