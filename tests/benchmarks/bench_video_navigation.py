"""A frame step of the video box annotator ('.' to the next frame) on videos of 60 and 1,000 frames, side by side
with ipyannotator 0.8.5's video annotator (its Next button) on the same frames, run from its own venv (.venv-ref).

    python tests/benchmarks/bench_video_navigation.py                # 60 and 1,000 frames
    python tests/benchmarks/bench_video_navigation.py --sizes 60 --steps 50

Frames: the artificial video (`create_video`, 3 moving shapes, 640x480 frames) shown on a 500x400 canvas. Two cases:
'empty', a fresh results store (nothing to show but the frame), and '3 objects', the ground truth put into the
results first, so that each step shows the frame's 3 boxes (ours: read from the tracks, drawn, listed). Prints median
and p95 per step in milliseconds and how long opening the annotator took; 'back-to-back' steps as fast as Python
can, 'paced' leaves 100 ms between steps and times only the step.
"""
import argparse, json, platform, statistics, subprocess, tempfile, time
from pathlib import Path

from ipyannotator.base import Settings
from ipyannotator.annotator import Annotator
from ipyannotator.mltypes import InputImage, OutputVideoBbox
from ipyannotator.generators import create_video
from ipyannotator.storage import read_annotations_json
from ipyannotator.annotators.base import press

ROOT = Path(__file__).resolve().parents[2]
REF_PYTHON = ROOT/'.venv-ref'/'bin'/'python'
CASES = {'empty': 'empty', 'objects': '3 objects'}
WHY_085_FAILS = (
    "0.8.5 cannot show a frame that holds boxes: BBoxAnnotatorVideoGUI.__init__ makes its BBoxVideoCanvas, then calls\n"
    "_init_canvas, which puts the image annotator's BBoxCanvas back in its place; that canvas draws a box from every field\n"
    "of a BboxVideoCoordinate (x, y, width, height, id) and BboxCoordinate takes four. Opening on such a frame raises;\n"
    "a Next onto one raises in the button's callback, which ipywidgets logs and swallows, leaving the step half done\n"
    "(its last index not updated, so the following Next saves the boxes shown under the wrong frame).")


def ours(project: Path, classes, steps: int, pause: float, case: str) -> tuple[list[float], float]:
    "Seconds per frame step and seconds to open `create` (the ground truth's copy into the results not counted)."
    t = time.perf_counter()
    annotator = Annotator(InputImage(image_dir='images', image_width=500, image_height=400), OutputVideoBbox(classes=classes),
                          Settings(project_path=project, result_dir=f'results_{case}_{pause}', annotator='bench'))
    opened = time.perf_counter() - t
    store = annotator.task.store
    if case == 'objects': store.put_many(read_annotations_json(project/'annotations.json', project/'images').items())
    t = time.perf_counter()
    widget = annotator.create()
    opened += time.perf_counter() - t
    times = []
    for k in range(steps + 5):
        if pause: time.sleep(pause)
        t = time.perf_counter()
        press(widget, '.')
        if k >= 5: times.append(time.perf_counter() - t)
    assert widget.item == f'video_0/frame_{steps + 5:04d}.jpg', widget.item
    if case == 'objects': assert len(widget.editor.boxes) == 3, 'each frame shows its 3 boxes'
    else: assert store.count() == 0, 'showing frames writes nothing'
    annotator.close()
    return times, opened


def reference(root: Path, sizes, steps, classes) -> dict | None:
    if not REF_PYTHON.exists():
        print("(no 0.8.5 reference: create it with `bash tests/benchmarks/reference_venv.sh`, then run again)\n")
        return None
    out = subprocess.run([str(REF_PYTHON), '-I', str(Path(__file__).with_name('ref_video_navigation_085.py')), '--root', str(root),
                          '--sizes', *map(str, sizes), '--steps', *map(str, steps), '--classes', *classes],
                         capture_output=True, text=True)
    if out.returncode: print(f"(0.8.5 reference failed: {out.stderr[-800:]})"); return None
    return json.loads(out.stdout)


def stats(times):
    ms = sorted(t*1000 for t in times)
    return statistics.median(ms), ms[min(len(ms) - 1, round(0.95*(len(ms) - 1)))]


if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--sizes', type=int, nargs='+', default=[60, 1_000], help='frames per video')
    ap.add_argument('--steps', type=int, default=200, help='timed steps of ours back-to-back, per size (paced: at most 100)')
    ap.add_argument('--ref-steps', type=int, default=200, help='timed steps of 0.8.5, per size')
    a = ap.parse_args()
    fit = lambda s, n: max(1, min(s, n - 6))
    with tempfile.TemporaryDirectory() as d:
        root = Path(d)
        projects = {n: create_video(root/f'v{n}', n_frames=n, image_size=(640, 480), seed=0) for n in a.sizes}
        classes = (projects[a.sizes[0]]/'gt'/'classes.txt').read_text().split()
        ref = reference(root, a.sizes, [fit(a.ref_steps, n) for n in a.sizes], classes)
        print(f"Python {platform.python_version()}, {platform.machine()}; 640x480 frames on a 500x400 canvas\n")
        head = (f"{'frames':>6} | {'frames hold':<11} | {'who':<22} | {'steps':>5} | {'median ms':>9} | {'p95 ms':>7} | "
                f"{'open s':>6} | {'0.8.5/ours':>10}")
        print(head); print('-'*len(head))
        for n in a.sizes:
            for case, shown in CASES.items():
                ref_times = ref['next'][case].get(str(n)) if ref else None
                ref_med = stats(ref_times)[0] if ref_times else None
                for label, pause in [('ours, back-to-back', 0.0), ('ours, paced 100 ms', 0.1)]:
                    times, opened = ours(projects[n], classes, fit(a.steps if not pause else min(a.steps, 100), n), pause, case)
                    med, p95 = stats(times)
                    ratio = f'{ref_med/med:.1f}x' if ref_med else '-'
                    print(f"{n:>6} | {shown:<11} | {label:<22} | {len(times):>5} | {med:>9.2f} | {p95:>7.2f} | {opened:>6.2f} | {ratio:>10}")
                if ref_times:
                    med, p95 = stats(ref_times)
                    print(f"{n:>6} | {shown:<11} | {'0.8.5, Next button':<22} | {len(ref_times):>5} | {med:>9.2f} | {p95:>7.2f} | "
                          f"{ref['construct'][case][str(n)]:>6.2f} | {'1':>10}")
                elif ref:
                    print(f"{n:>6} | {shown:<11} | {'0.8.5, Next button':<22} | failed: {ref['error'][case].get(str(n), '?')}")
        print("\nours: '.' (the frame's boxes from the tracks, the display-size frame to the canvas; nothing written).\n"
              "0.8.5: Next (writes its whole annotations.json, sends the next JPEG file, loads the frame's boxes).")
        if ref and any(ref['error']['objects'].values()): print('\n' + WHY_085_FAILS)
