"""0.8.5's box annotator step, timed: a box drawn with mouse messages on its canvas, then its Next button.
Run with .venv-ref/bin/python -I (see reference_venv.sh) on the projects bench_bbox_navigation.py made
(`<root>/n<N>/images`). Prints JSON: {"draw": {N: [s]}, "next": {N: [s]}, "construct": {N: s},
"saved": {N: items with a box in its annotations.json}, "error": {N: message}}."""
import argparse, contextlib, json, logging, os, sys, time, warnings
from pathlib import Path

warnings.filterwarnings('ignore')
from ipyannotator.annotator import Annotator
from ipyannotator.mltypes import InputImage, OutputImageBbox
from ipyannotator.base import Settings
from ipyannotator.bbox_canvas import BBoxLayer

ap = argparse.ArgumentParser()
ap.add_argument('--root', required=True)
ap.add_argument('--sizes', type=int, nargs='+', required=True)
ap.add_argument('--steps', type=int, nargs='+', required=True)
ap.add_argument('--classes', nargs='+', required=True)
ap.add_argument('--gesture', type=float, nargs=4, required=True, help='x0 y0 x1 y1 of the drag, canvas pixels')
ap.add_argument('--moves', type=int, default=4)
a = ap.parse_args()
x0, y0, x1, y1 = a.gesture


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


out = {'draw': {}, 'next': {}, 'construct': {}, 'saved': {}, 'error': {}}
# 0.8.5 prints from its canvas callbacks (`-> _draw_image ...`): keep stdout for the JSON.
with open(os.devnull, 'w') as null, contextlib.redirect_stdout(null):
    for n, steps in zip(a.sizes, a.steps):
        stage = 'opening (create)'
        try:
            project = Path(a.root)/f'n{n}'
            t = time.perf_counter()
            annotator = Annotator(InputImage(image_dir='images', image_width=500, image_height=400),
                                  OutputImageBbox(classes=a.classes),
                                  Settings(project_path=project, result_dir='results_085')).create()
            out['construct'][n] = time.perf_counter() - t
            stage = 'stepping'
            top = annotator.view._image_box.multi_canvas[BBoxLayer.drawing]   # the layer its mouse callbacks are on
            mouse = lambda e, x, y: top._handle_custom_msg({'event': f'mouse_{e}', 'x': x, 'y': y}, [])
            next_button = annotator.view._navi._next_btn
            draws, nexts = [], []
            for k in range(steps + 5):
                t = time.perf_counter()
                mouse('down', x0, y0)
                for m in range(1, a.moves + 1): mouse('move', x0 + (x1 - x0)*m/a.moves, y0 + (y1 - y0)*m/a.moves)
                mouse('up', x1, y1)
                t1 = time.perf_counter()
                click(next_button)
                t2 = time.perf_counter()
                if k >= 5: draws.append(t1 - t); nexts.append(t2 - t1)
            out['draw'][n], out['next'][n] = draws, nexts
            saved = json.loads((project/'results_085'/'annotations.json').read_text())
            out['saved'][n] = sum(bool(v and v.get('bbox')) for v in saved.values())
        except Exception as e:
            out['error'][n] = f'{stage}: {type(e).__name__}: {e}'
print(json.dumps(out))
