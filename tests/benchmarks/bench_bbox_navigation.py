"""One step of the box annotator (a box drawn with the mouse, then PageDown to the next image) at 60, 1,000 and
10,000 images, side by side with ipyannotator 0.8.5 (a box drawn on its canvas, then its Next button) on the same
images, run from its own venv (.venv-ref).

    python tests/benchmarks/bench_bbox_navigation.py                 # 60, 1,000, 10,000 images
    python tests/benchmarks/bench_bbox_navigation.py --sizes 60 1000 --steps 100

Images: the artificial detection set (`create_detection`, 60 images of 640x480) hard-linked under more names for the
larger sets; both annotators show them on a 500x400 canvas (scaled to 500x375). The drag is the same mouse messages
on both sides: down, 4 moves, up, from canvas (100, 80) to (220, 170). Prints median and p95 per step in milliseconds,
the medians of its two parts (draw: the drag, saved on mouse-up by ours; next: the key or button), and how long
opening the annotator took. 'back-to-back' steps as fast as Python can; 'paced' leaves 100 ms between steps (a fast
human: drawing a box takes longer) and times only the step.
"""
import argparse, json, os, platform, shutil, statistics, subprocess, sys, tempfile, time
from contextlib import contextmanager
from pathlib import Path

from ipywidgets.widgets import widget as _widget
from ipyannotator.base import Settings
from ipyannotator.annotator import Annotator
from ipyannotator.mltypes import InputImage, OutputImageBbox
from ipyannotator.datasets import create_detection
from ipyannotator.annotators.base import press

ROOT = Path(__file__).resolve().parents[2]
REF_PYTHON = ROOT/'.venv-ref'/'bin'/'python'
CLASSES = ['circle', 'square', 'triangle']
GESTURE, MOVES = (100, 80, 220, 170), 4
N_DISTINCT = 60


def make_projects(root: Path, sizes) -> dict:
    "A project folder `n<N>/images` per size: the detection set's images hard-linked (or copied) under N names."
    originals = create_detection(root/'det', n_items=N_DISTINCT, classes=CLASSES, image_size=(640, 480), seed=0)/'images'
    names = sorted(os.listdir(originals))
    projects = {}
    for n in sizes:
        images = root/f'n{n}'/'images'
        images.mkdir(parents=True)
        for i in range(n):
            src, dst = originals/names[i % N_DISTINCT], images/f'img_{i:06d}.jpg'
            try: os.link(src, dst)
            except OSError: shutil.copy(src, dst)
        projects[n] = images.parent
    return projects


def ours(project: Path, steps: int, pause: float) -> dict:
    "Seconds per step and per part (draw, next), and seconds to open `create`."
    t = time.perf_counter()
    annotator = Annotator(InputImage(image_dir='images', image_width=500, image_height=400), OutputImageBbox(classes=CLASSES),
                          Settings(project_path=project, result_dir=f'results_{pause}', annotator='bench'))
    widget = annotator.create()
    opened = time.perf_counter() - t
    mouse = lambda e, x, y: widget.canvas.multi_canvas._handle_custom_msg({'event': f'mouse_{e}', 'x': x, 'y': y}, [])
    x0, y0, x1, y1 = GESTURE
    draws, nexts, sent = [], [], []
    for k in range(steps + 5):
        if pause: time.sleep(pause)
        t = time.perf_counter()
        mouse('down', x0, y0)
        for m in range(1, MOVES + 1): mouse('move', x0 + (x1 - x0)*m/MOVES, y0 + (y1 - y0)*m/MOVES)
        mouse('up', x1, y1)
        t1 = time.perf_counter()
        with counted() as n: press(widget, 'PageDown')
        t2 = time.perf_counter()
        if k >= 5: draws.append(t1 - t); nexts.append(t2 - t1); sent.append(n[0])
    store = annotator.task.store
    assert store.count() == steps + 5, f'every step must have saved its box: {store.count()} of {steps + 5}'
    assert all(len(store.get(f'img_{i:06d}.jpg')['bbox']) == 1 for i in (0, steps + 4)), 'one box per image'
    annotator.close()
    return {'draw': draws, 'next': nexts, 'open': opened, 'messages': statistics.mean(sent)}


@contextmanager
def counted():
    "The widget messages sent while the block runs, in `n[0]` (issue 14: at most 6 a step)."
    n, send = [0], _widget.Widget._send
    def counting(self, msg, buffers=None): n[0] += 1; return send(self, msg, buffers)
    _widget.Widget._send = counting
    try: yield n
    finally: _widget.Widget._send = send


def reference(root: Path, sizes, steps) -> dict | None:
    if not REF_PYTHON.exists():
        print("(no 0.8.5 reference: create it with `bash tests/benchmarks/reference_venv.sh`, then run again)\n")
        return None
    out = subprocess.run([str(REF_PYTHON), '-I', str(Path(__file__).with_name('ref_bbox_navigation_085.py')), '--root', str(root),
                          '--sizes', *map(str, sizes), '--steps', *map(str, steps), '--classes', *CLASSES,
                          '--gesture', *map(str, GESTURE), '--moves', str(MOVES)], capture_output=True, text=True)
    if out.returncode: print(f"(0.8.5 reference failed: {out.stderr[-800:]})"); return None
    return json.loads(out.stdout)


def stats(times):
    ms = sorted(t*1000 for t in times)
    return statistics.median(ms), ms[min(len(ms) - 1, round(0.95*(len(ms) - 1)))]


def row(n, who, r, ratio='-'):
    total = [d + x for d, x in zip(r['draw'], r['next'])]
    med, p95 = stats(total)
    return (f"{n:>6} | {who:<22} | {len(total):>5} | {med:>9.2f} | {p95:>7.2f} | {stats(r['draw'])[0]:>8.2f} | "
            f"{stats(r['next'])[0]:>8.2f} | {r['open']:>6.2f} | {ratio:>10}")


if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--sizes', type=int, nargs='+', default=[60, 1_000, 10_000])
    ap.add_argument('--steps', type=int, default=200, help='timed steps of ours back-to-back, per size (paced: at most 100)')
    ap.add_argument('--ref-steps', type=int, nargs='+', default=[100, 100, 50], help='timed steps of 0.8.5, per size')
    a = ap.parse_args()
    fit = lambda s, n: max(1, min(s, n - 5))
    ref_steps = [fit(s, n) for s, n in zip((a.ref_steps + a.ref_steps[-1:]*len(a.sizes))[:len(a.sizes)], a.sizes)]
    with tempfile.TemporaryDirectory() as d:
        root = Path(d)
        projects = make_projects(root, a.sizes)
        ref = reference(root, a.sizes, ref_steps)
        print(f"Python {platform.python_version()}, {platform.machine()}; 640x480 JPEGs on a 500x400 canvas; times in ms "
              "(draw, next: medians of the two parts of a step)\n")
        head = (f"{'images':>6} | {'who':<22} | {'steps':>5} | {'median ms':>9} | {'p95 ms':>7} | {'draw ms':>8} | "
                f"{'next ms':>8} | {'open s':>6} | {'0.8.5/ours':>10}")
        print(head); print('-'*len(head))
        messages = []
        for n in a.sizes:
            ok = ref and str(n) in ref['draw']
            ref_med = stats([d + x for d, x in zip(ref['draw'][str(n)], ref['next'][str(n)])])[0] if ok else None
            for label, pause in [('ours, back-to-back', 0.0), ('ours, paced 100 ms', 0.1)]:
                r = ours(projects[n], fit(a.steps if not pause else min(a.steps, 100), n), pause)
                med = stats([d + x for d, x in zip(r['draw'], r['next'])])[0]
                print(row(n, label, r, f'{ref_med/med:.1f}x' if ref_med else '-'))
                messages.append(r['messages'])
            if ok:
                print(row(n, '0.8.5, Next button', {'draw': ref['draw'][str(n)], 'next': ref['next'][str(n)],
                                                     'open': ref['construct'][str(n)]}, '1'))
                expected = len(ref['draw'][str(n)]) + 5
                if ref['saved'][str(n)] != expected:
                    print(f"{'':>6}   (0.8.5 saved a box for {ref['saved'][str(n)]} images of {expected} stepped)")
            elif ref:
                print(f"{n:>6} | {'0.8.5, Next button':<22} | failed: {ref['error'].get(str(n), '?')}")
        print(f"\nours: {max(messages):.1f} widget messages per PageDown at most (issue 14 asks <= 6)")
        print("ours: drag (box saved in SQLite on mouse-up, class 'circle') + PageDown (next image's display bytes to the canvas).\n"
              "0.8.5: the same drag on its canvas (box kept in memory, no class) + Next (writes its whole annotations.json, "
              "sends the next JPEG file).")
