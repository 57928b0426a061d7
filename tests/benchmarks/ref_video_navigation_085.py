"""0.8.5's video box annotator, a frame step timed: its Next button. Run with .venv-ref/bin/python -I (see
reference_venv.sh) on the projects bench_video_navigation.py made (`<root>/v<N>/images/video_0/frame_*.jpg`).
Two cases per size: 'empty' (a fresh results folder) and 'objects' (the project's ground truth copied into the
results file first, in 0.8.5's format, so that every frame has its boxes to show).
Prints JSON: {"next": {case: {N: [s]}}, "construct": {case: {N: s}}, "error": {case: {N: message}}}."""
import argparse, contextlib, json, logging, os, sys, time, warnings
from pathlib import Path

warnings.filterwarnings('ignore')
from ipyannotator.annotator import Annotator
from ipyannotator.mltypes import InputImage, OutputVideoBbox
from ipyannotator.base import Settings

ap = argparse.ArgumentParser()
ap.add_argument('--root', required=True)
ap.add_argument('--sizes', type=int, nargs='+', required=True)
ap.add_argument('--steps', type=int, nargs='+', required=True)
ap.add_argument('--classes', nargs='+', required=True)
a = ap.parse_args()
cases = ['empty', 'objects']


class _Swallowed(logging.Handler):
    "ipywidgets logs (and swallows) an exception raised in a button's click handler: keep it, to raise it after the click."
    def __init__(self): super().__init__(); self.errors = []
    def emit(self, record):
        if record.exc_info: self.errors.append(record.exc_info[1])

swallowed = _Swallowed()
logging.getLogger('traitlets').addHandler(swallowed)


def click(button):
    button.click()
    if swallowed.errors: raise swallowed.errors.pop()


out = {k: {c: {} for c in cases} for k in ('next', 'construct', 'error')}


def results_dir(project: Path, case: str) -> str:
    "The results folder of `case`; for 'objects', with the ground truth written as 0.8.5 keys it (its image paths)."
    name = f'results_085_{case}'
    if case == 'objects':
        gt = json.loads((project/'annotations.json').read_text())
        (project/name).mkdir(exist_ok=True)
        (project/name/'annotations.json').write_text(json.dumps({str(project/'images'/k): v for k, v in gt.items()}))
    return name


# 0.8.5 prints from its canvas callbacks (`-> _draw_image ...`): keep stdout for the JSON.
with open(os.devnull, 'w') as null, contextlib.redirect_stdout(null):
    for n, steps in zip(a.sizes, a.steps):
        project = Path(a.root)/f'v{n}'
        for case in cases:
            stage = 'opening (create)'
            try:
                settings = Settings(project_path=project, result_dir=results_dir(project, case))
                t = time.perf_counter()
                annotator = Annotator(InputImage(image_dir='images', image_width=500, image_height=400),
                                      OutputVideoBbox(classes=a.classes), settings).create()
                out['construct'][case][n] = time.perf_counter() - t
                stage = 'stepping (Next)'
                next_button = annotator.view._navi._next_btn
                times = []
                for k in range(steps + 5):
                    t = time.perf_counter(); click(next_button)
                    if k >= 5: times.append(time.perf_counter() - t)
                assert annotator.app_state.index == steps + 5, f'at frame {annotator.app_state.index}, expected {steps + 5}'
                out['next'][case][n] = times
            except Exception as e:
                out['error'][case][n] = f'{stage}: {type(e).__name__}: {e}'
print(json.dumps(out))
