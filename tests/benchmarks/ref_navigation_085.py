"""0.8.5's navigation step: its classification annotator's Next button, timed. Run with .venv-ref/bin/python -I
(see reference_venv.sh). Prints JSON: {"results": {N: [seconds per step]}, "construct": {N: seconds}}."""
import argparse, json, sys, time, warnings
from pathlib import Path
sys.path.insert(0, str(Path(__file__).parent))
from nav_dataset import make_project

warnings.filterwarnings('ignore')
from ipyannotator.annotator import Annotator
from ipyannotator.mltypes import InputImage, OutputImageLabel
from ipyannotator.base import Settings

ap = argparse.ArgumentParser()
ap.add_argument('--root', required=True)
ap.add_argument('--sizes', type=int, nargs='+', required=True)
ap.add_argument('--steps', type=int, nargs='+', required=True)
a = ap.parse_args()
results, construct = {}, {}
for n, steps in zip(a.sizes, a.steps):
    project = make_project(Path(a.root)/f'n{n}', n)
    t = time.perf_counter()
    annotator = Annotator(InputImage(image_dir='images', image_width=500, image_height=400),
                          OutputImageLabel(label_dir='class_images', label_width=60, label_height=60),
                          Settings(project_path=project, result_dir='results_085')).create()
    construct[n] = time.perf_counter() - t
    next_button = annotator.view._navi._next_btn
    for _ in range(5): next_button.click()
    times = []
    for _ in range(steps):
        t = time.perf_counter(); next_button.click(); times.append(time.perf_counter() - t)
    results[n] = times
print(json.dumps({'results': results, 'construct': construct}))
