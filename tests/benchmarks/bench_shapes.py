"""Figures of the shape tasks (issue 15): clicks to segment against drawing polygons by hand, the time of a
click-to-segment update at 1 MP, and the Python time of a mouse-move while editing a 200-vertex polygon.

    python tests/benchmarks/bench_shapes.py            # all three tables
    python tests/benchmarks/bench_shapes.py --quick    # fewer images

1. NoC@90 (the interactive-segmentation measure): clicks until the mask grown by `segment.ClickSegmenter` reaches
   IoU 0.9 with the object's true mask (replayed from the data set's seed, `shape_data.detection_masks`); clicks
   simulated as in the literature (the first in the middle of the object, each next one in the middle of the
   largest error, positive or negative), at most 20 (an object never reaching 0.9 counts 20). Against it: the
   clicks to draw the object's polygon by hand, vertex by vertex (the simplest outline reaching IoU 0.9, one click
   per vertex and one to close each ring: a lower bound for a person). On the artificial detection set as
   `get_settings` makes it (320 x 240, circles, squares, triangles), and on one with all ten shapes (rings,
   crescents, stars, crosses, ...) at 1000 x 1000.
2. Time per click-to-segment update at 1 MP (goal <= 50 ms): `ClickSegmenter.segment` over the simulated clicks of
   the 1000 x 1000 set; the segmenter's preparation, once per image; and a whole click in the mask annotator (the
   canvas message, the segmentation, the RLE, one store write, the overlay rendered and sent).
3. Mouse-move while editing a 200-vertex polygon (goal <= 2 ms): the polygon annotator's Python time per mouse
   event on a 1000 x 800 image shown at 500 x 400, from the canvas's message to the drawing commands serialised
   (no browser, so no network): hovering over it, dragging a vertex, moving it whole, drawing a new polygon.
Prints median and p95 in milliseconds.
"""
import argparse, platform, statistics, sys, tempfile, time
from pathlib import Path
import numpy as np
from PIL import Image

from ipyannotator.datasets import DS, create_detection, get_settings, SHAPES
from ipyannotator.media import FolderSource
from ipyannotator.mltypes import InputImage
from ipyannotator.storage import SQLiteStore
from ipyannotator.annotators.base import Annotations, ItemOrder
from ipyannotator.annotators.shape_data import detection_masks
from ipyannotator.annotators.segment import ClickSegmenter, next_click, polygon_clicks
from ipyannotator.annotators.shape_geometry import iou
from ipyannotator.annotators.polygon import OutputPolygon, PolygonAnnotator
from ipyannotator.annotators.mask import MaskAnnotator, OutputMask


def stats(times):
    ms = sorted(t*1000 for t in times)
    return statistics.median(ms), ms[min(len(ms) - 1, round(0.95*(len(ms) - 1)))]


def noc(project: Path, max_clicks=20, target=0.9):
    "Per object: clicks to IoU `target` (max_clicks + 0 if never), IoU after one click, hand-polygon clicks; update times."
    truth, rows, updates, prepares = detection_masks(project), [], [], []
    for item, shapes in truth.items():
        if not shapes: continue
        t = time.perf_counter(); seg = ClickSegmenter(Image.open(project/'images'/item)); prepares.append(time.perf_counter() - t)
        for cls, gt in shapes:
            pos, neg, mask, n, first = [], [], np.zeros_like(gt), None, None
            for k in range(1, max_clicks + 1):
                x, y, positive = next_click(gt, mask)
                (pos if positive else neg).append((x, y))
                t = time.perf_counter(); mask = seg.segment(pos, neg); updates.append(time.perf_counter() - t)
                score = iou(mask, gt)
                if first is None: first = score
                if score >= target: n = k; break
            rows.append((cls, n, first, polygon_clicks(gt, target)))
    return rows, updates, prepares


def noc_table(name, rows):
    n = np.array([r[1] if r[1] is not None else 20 for r in rows], float)
    poly = np.array([r[3] for r in rows], float)
    print(f"| {name} | {len(rows)} | {n.mean():.2f} | {np.mean(n <= 5):.0%} | {np.mean([r[1] is None for r in rows]):.0%} "
          f"| {np.mean([r[2] for r in rows]):.3f} | {poly.mean():.1f} | {poly.mean()/n.mean():.1f}x |")


def send(canvas, event, x, y): canvas.multi_canvas._handle_custom_msg({'event': f'mouse_{event}', 'x': x, 'y': y}, [])


def polygon_moves(folder: Path, moves: int):
    "Seconds per mouse-move of the polygon annotator with a 200-vertex polygon, for each gesture."
    (folder/'images').mkdir()
    Image.new('RGB', (1000, 800), 'grey').save(folder/'images'/'a.jpg')
    t = np.linspace(0, 2*np.pi, 200, endpoint=False)
    ring = [[round(500 + 300*np.cos(a), 2), round(400 + 300*np.sin(a)*0.9, 2)] for a in t]
    out = OutputPolygon(['a', 'b'])
    store = SQLiteStore(folder/'r.sqlite', author='bench', task=out.task_name())
    store.put('a.jpg', {'polygons': [{'label': 'a', 'points': ring}]})
    a = PolygonAnnotator(ItemOrder(FolderSource(folder/'images')), InputImage(image_width=500, image_height=400), out, Annotations(store))
    a.start()
    assert len(a.editor.polygons[0][0]) == 200
    c = a.canvas
    vx, vy = c.to_canvas(*ring[0])
    wiggle = lambda cx, cy: (lambda k: (cx + 8*((k % 20) - 10)/10, cy + 6*((k % 14) - 7)/7))
    rows = []
    send(c, 'down', 250, 200); send(c, 'up', 250, 200)                  # select it: its vertices are handles now
    for name, start, path, mode in [('hover (no button)', None, wiggle(250, 200), 'idle'),
                                    ('drag a vertex', (vx, vy), wiggle(vx + 10, vy), 'dragging'),
                                    ('move the whole polygon', (250, 200), wiggle(260, 205), 'moving')]:
        if start: send(c, 'down', *start)
        times = []
        for k in range(moves):
            x, y = path(k)
            t0 = time.perf_counter(); send(c, 'move', x, y); times.append(time.perf_counter() - t0)
        assert a.editor.mode == mode, (a.editor.mode, mode)
        if start: send(c, 'up', *path(moves - 1)); a.undo()
        rows.append((name, *stats(times)))
    a.escape(); a.escape()
    for k in range(30): send(c, 'down', 20 + 3*k, 20 + (k % 2)*5); send(c, 'up', 20 + 3*k, 20 + (k % 2)*5)   # a draft of 30 points
    times = []
    for k in range(moves):
        x, y = wiggle(300, 300)(k)
        t0 = time.perf_counter(); send(c, 'move', x, y); times.append(time.perf_counter() - t0)
    rows.append(('draw a new polygon (30 points placed)', *stats(times)))
    store.close(); a.loader.close()
    return rows


def mask_clicks(project: Path, n: int):
    "Seconds of a whole click to segment in the mask annotator (1000 x 1000 images on a 640 x 640 canvas)."
    truth = detection_masks(project)
    out = OutputMask(sorted({c for v in truth.values() for c, _ in v}))
    store = SQLiteStore(project/'bench.sqlite', author='bench', task=out.task_name())
    src = FolderSource(project/'images')
    a = MaskAnnotator(ItemOrder(src), InputImage(image_width=640, image_height=640), out, Annotations(store))
    a.start()
    a.tools.value = 'segment'
    firsts, times = [], []
    for item in [k for k in src if truth[k]][:n]:
        a.go_to(item)
        for k, (cls, gt) in enumerate(truth[item]):
            x, y, _ = next_click(gt, np.zeros_like(gt))
            cx, cy = a.canvas.to_canvas(x, y)
            t0 = time.perf_counter(); send(a.canvas, 'down', cx, cy); send(a.canvas, 'up', cx, cy)
            (times if k else firsts).append(time.perf_counter() - t0)
            assert a.editor.clicks is not None and 'grown' in a.status.value, a.status.value
            a.confirm()                                                    # ends the mask: the next click starts another
    store.close(); a.loader.close()
    return firsts, times


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--quick', action='store_true', help='fewer images')
    p.add_argument('--moves', type=int, default=500)
    args = p.parse_args()
    print(f'# shapes benchmark · Python {platform.python_version()} · {platform.machine()} · {sys.platform}')
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        det = get_settings(DS.ARTIFICIAL_DETECTION, d).project_path
        big = create_detection(d/'big', n_items=8 if args.quick else 24, image_size=(1000, 1000), classes=list(SHAPES), seed=5)
        print('\n## 1. Clicks to IoU 0.9: click to segment against drawing the polygon by hand\n')
        print('| data set | objects | NoC@90 mean | within 5 clicks | never (20) | IoU after 1 click | hand polygon clicks | ratio |')
        print('|---|---|---|---|---|---|---|---|')
        rows, _, _ = noc(det)
        noc_table('artificial detection, 320 x 240, 3 shapes', rows)
        rows_big, updates, prepares = noc(big)
        noc_table('1000 x 1000, all 10 shapes', rows_big)
        print('\nNoC@90 by shape (1000 x 1000 set): ' + ', '.join(
            f"{s} {np.mean([r[1] or 20 for r in rows_big if r[0] == s]):.1f}" for s in SHAPES if any(r[0] == s for r in rows_big)))
        print('\n## 2. Time per click-to-segment update at 1 MP (goal <= 50 ms)\n')
        print('| what | n | median ms | p95 ms |')
        print('|---|---|---|---|')
        print(f"| ClickSegmenter.segment, 1000 x 1000 | {len(updates)} | {stats(updates)[0]:.1f} | {stats(updates)[1]:.1f} |")
        print(f"| preparing the segmenter of an image (once) | {len(prepares)} | {stats(prepares)[0]:.1f} | {stats(prepares)[1]:.1f} |")
        firsts, clicks = mask_clicks(big, 4 if args.quick else 12)
        print(f"| a click in the mask annotator (segment, RLE, write, overlay) | {len(clicks)} | {stats(clicks)[0]:.1f} | {stats(clicks)[1]:.1f} |")
        print(f"| the same, first click on an image (decodes it, prepares the segmenter) | {len(firsts)} | {stats(firsts)[0]:.1f} | {stats(firsts)[1]:.1f} |")
        print('\n## 3. Mouse-move while editing a 200-vertex polygon (goal <= 2 ms)\n')
        print('| gesture | median ms | p95 ms |')
        print('|---|---|---|')
        (d/'poly').mkdir()
        for name, med, p95 in polygon_moves(d/'poly', args.moves): print(f'| {name} | {med:.3f} | {p95:.3f} |')


if __name__ == '__main__':
    main()
