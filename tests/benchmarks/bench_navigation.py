"""One navigation step of the classification annotator (a digit key picks a label and saves it, the right
arrow shows the next image: its display-size bytes handed to the canvas) at 100, 10k and 100k images,
side by side with ipyannotator 0.8.5's Next button on the same images, run from its own venv (.venv-ref).

    python tests/benchmarks/bench_navigation.py                      # 100, 10k, 100k images
    python tests/benchmarks/bench_navigation.py --sizes 100 10000 --steps 200

Prints median and p95 per step in milliseconds, and how long opening the annotator took. Two ways of stepping:
'back-to-back' presses the keys as fast as Python can (the background prefetch rarely keeps up), 'paced'
leaves 100 ms between steps (a fast human) and times only the handling of the keys.
"""
import argparse, json, platform, statistics, subprocess, sys, tempfile, time
from pathlib import Path
sys.path.insert(0, str(Path(__file__).parent))
from nav_dataset import make_project

from ipyannotator.base import Settings
from ipyannotator.annotator import Annotator
from ipyannotator.mltypes import InputImage, OutputImageLabel
from ipyannotator.annotators.base import press

ROOT = Path(__file__).resolve().parents[2]
REF_PYTHON = ROOT/'.venv-ref'/'bin'/'python'


def ours(project: Path, steps: int, pause: float) -> tuple[list[float], float]:
    "Seconds per step (label + next) and seconds to open `create`."
    t = time.perf_counter()
    annotator = Annotator(InputImage(image_dir='images', image_width=500, image_height=400),
                          OutputImageLabel(label_dir='class_images', label_width=60, label_height=60),
                          Settings(project_path=project, result_dir=f'results_{pause}', annotator='bench'))
    widget = annotator.create()
    opened = time.perf_counter() - t
    times = []
    for k in range(steps + 5):
        if pause: time.sleep(pause)
        t = time.perf_counter()
        press(widget, str(1 + k % 4)); press(widget, 'ArrowRight')
        if k >= 5: times.append(time.perf_counter() - t)
    assert annotator.task.store.count() == min(steps + 5, len(annotator.task.source)), 'every step must have written its label'
    annotator.close()
    return times, opened


def reference(root: Path, sizes, steps) -> dict | None:
    if not REF_PYTHON.exists():
        print("(no 0.8.5 reference: create it with `bash tests/benchmarks/reference_venv.sh`, then run again)\n")
        return None
    out = subprocess.run([str(REF_PYTHON), '-I', str(Path(__file__).with_name('ref_navigation_085.py')), '--root', str(root),
                          '--sizes', *map(str, sizes), '--steps', *map(str, steps)], capture_output=True, text=True)
    if out.returncode: print(f"(0.8.5 reference failed: {out.stderr[-800:]})"); return None
    return json.loads(out.stdout)


def stats(times):
    ms = sorted(t * 1000 for t in times)
    return statistics.median(ms), ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]


if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--sizes', type=int, nargs='+', default=[100, 10_000, 100_000])
    ap.add_argument('--steps', type=int, default=200, help='timed steps of ours per size')
    ap.add_argument('--ref-steps', type=int, nargs='+', default=[100, 50, 20], help='timed steps of 0.8.5, per size')
    a = ap.parse_args()
    ref_steps = (a.ref_steps + a.ref_steps[-1:] * len(a.sizes))[:len(a.sizes)]
    with tempfile.TemporaryDirectory() as d:
        root = Path(d)
        projects = {n: make_project(root/f'n{n}', n) for n in a.sizes}
        ref = reference(root, a.sizes, ref_steps)
        print(f"Python {platform.python_version()}, {platform.machine()}; 500x400 canvas, 640x480 JPEGs\n")
        head = f"{'images':>7} | {'who':<22} | {'steps':>5} | {'median ms':>9} | {'p95 ms':>7} | {'open s':>6} | {'0.8.5/ours':>10}"
        print(head); print('-' * len(head))
        for n in a.sizes:
            ref_med = stats(ref['results'][str(n)])[0] if ref else None
            for label, pause in [('ours, back-to-back', 0.0), ('ours, paced 100 ms', 0.1)]:
                times, opened = ours(projects[n], min(a.steps if not pause else 100, n - 5), pause)
                med, p95 = stats(times)
                ratio = f'{ref_med / med:.1f}x' if ref_med else '-'
                print(f"{n:>7} | {label:<22} | {len(times):>5} | {med:>9.2f} | {p95:>7.2f} | {opened:>6.2f} | {ratio:>10}")
            if ref:
                med, p95 = stats(ref['results'][str(n)])
                print(f"{n:>7} | {'0.8.5 Next button':<22} | {len(ref['results'][str(n)]):>5} | {med:>9.2f} | {p95:>7.2f} | "
                      f"{ref['construct'][str(n)]:>6.2f} | {'1':>10}")
        print("\nours: digit key (label saved in SQLite) + right arrow (next image's display bytes to the canvas).\n"
              "0.8.5: its Next button (saves its whole annotations.json, loads the next image).")
