"""Python time the box annotator spends on one mouse event, with 50 (and 200) boxes on a 1000 x 800 image shown
on a 500 x 400 canvas: from the message the browser's canvas sends to the drawing commands sent back (ipycanvas
dispatch, the box editor, the layer redrawn, the commands serialised; no browser, so no network).

    python tests/benchmarks/bench_bbox.py                  # 50 and 200 boxes, 500 moves per gesture
    python tests/benchmarks/bench_bbox.py --boxes 50 --moves 2000

Gestures: a mouse-move while dragging a box, while resizing one, while drawing a new one, and while hovering (no
button: hit testing against every box); and the mouse-up that ends a drag (one store write, both layers redrawn,
the box list updated). Goal: a dragging move at most 1 ms median. Prints median and p95 in milliseconds.
"""
import argparse, platform, statistics, sys, tempfile, time
from pathlib import Path
from PIL import Image

from ipyannotator.mltypes import InputImage, OutputImageBbox
from ipyannotator.media import FolderSource
from ipyannotator.storage import SQLiteStore
from ipyannotator.annotators.base import Annotations, ItemOrder
from ipyannotator.annotators.bbox import BboxAnnotator, value_of

CLASSES = ['circle', 'square', 'triangle']


def annotator(folder: Path, n_boxes: int) -> BboxAnnotator:
    "An annotator on one 1000 x 800 image with `n_boxes` boxes in a grid, the first one at image (20, 20)."
    (folder/'images').mkdir()
    Image.new('RGB', (1000, 800), 'grey').save(folder/'images'/'a.jpg')
    store = SQLiteStore(folder/'r.sqlite', author='bench')
    cols = 10
    boxes = [(20 + (i % cols)*95, 20 + (i // cols)*(760 // ((n_boxes + cols - 1)//cols)), 60, 30) for i in range(n_boxes)]
    store.put('a.jpg', value_of(boxes, [[CLASSES[i % 3]] for i in range(n_boxes)]))
    a = BboxAnnotator(ItemOrder(FolderSource(folder/'images')), InputImage(image_width=500, image_height=400),
                      OutputImageBbox(classes=CLASSES), Annotations(store))
    a.start()
    assert len(a.editor) == n_boxes
    return a


def send(a, event, x, y): a.canvas.multi_canvas._handle_custom_msg({'event': f'mouse_{event}', 'x': x, 'y': y}, [])


def timed_moves(a, start, moves, path, mode):
    "Seconds per mouse-move along `path(k)` after a mouse-down at `start` (None: no button, hovering); and the mouse-up."
    if start: send(a, 'down', *start)
    times = []
    for k in range(moves):
        x, y = path(k)
        t = time.perf_counter(); send(a, 'move', x, y); times.append(time.perf_counter() - t)
    assert a.editor.mode == mode, (a.editor.mode, mode)
    t = time.perf_counter()
    if start: send(a, 'up', *path(moves - 1))
    return times, time.perf_counter() - t


def stats(times):
    ms = sorted(t*1000 for t in times)
    return statistics.median(ms), ms[min(len(ms) - 1, round(0.95*(len(ms) - 1)))]


def run(n_boxes: int, moves: int) -> list[tuple]:
    rows = []
    with tempfile.TemporaryDirectory() as d:
        a = annotator(Path(d), n_boxes)
        wiggle = lambda cx, cy: (lambda k: (cx + 20*((k % 40) - 20)/20, cy + 10*((k % 30) - 15)/15))
        ups = []
        for name, start, path, mode in [
                ('drag a box (move)', (25, 17), wiggle(45, 30), 'moving'),        # inside the first box (canvas 10..40 x 10..25)
                ('drag a handle (resize)', (40, 25), wiggle(80, 60), 'resizing'), # its bottom-right corner
                ('draw a new box', (480, 390), wiggle(420, 360), 'drawing'),      # from empty image
                ('hover (no button)', None, wiggle(250, 200), 'idle')]:
            times, up = timed_moves(a, start, moves, path, mode)
            rows.append((n_boxes, name, *stats(times)))
            if start: ups.append(up)
            a.undo() if start else None                               # back to the same boxes for the next gesture
        rows.append((n_boxes, 'mouse-up ending a drag (1 write)', *stats(ups)))
        assert len(a.editor) == n_boxes
        a.annotations.store.close()
    return rows


if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--boxes', type=int, nargs='+', default=[50, 200])
    p.add_argument('--moves', type=int, default=500)
    args = p.parse_args()
    print(f'Python {platform.python_version()} on {platform.machine()}, {args.moves} moves per gesture; '
          'time per event in ms (median / p95); goal: a dragging move <= 1 ms median\n')
    print(f"{'boxes':>6}  {'event':<34} {'median':>8} {'p95':>8}")
    for n in args.boxes:
        for boxes, name, med, p95 in run(n, args.moves):
            print(f'{boxes:>6}  {name:<34} {med:8.3f} {p95:8.3f}')
