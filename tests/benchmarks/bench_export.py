"""Export 10,000 images with 5 boxes each to COCO, Pascal VOC and YOLO (and a 10,000-frame video to MOT), with the
image sizes given (no image files needed), then read each export back and check it equals the annotations.

    python tests/benchmarks/bench_export.py                       # 10,000 images x 5 boxes
    python tests/benchmarks/bench_export.py --images 2000 --boxes 3 --repeat 3

Prints a table: seconds to write (median of --repeat runs), files and bytes written, seconds to read back.
VOC and YOLO write one file per image: their time is mostly the file system's (creating 10,000 files), and
varies a lot on a busy machine. The goal is <= 2 s for COCO.
"""
import argparse, os, platform, random, statistics, sys, tempfile, time
from pathlib import Path

from ipyannotator.export import from_coco, read_voc, read_yolo, write_coco, write_voc, write_yolo
from ipyannotator.export_tracks import read_mot, write_mot

CLASSES = [f'class {i}' for i in range(10)]

def make(n_images:int, n_boxes:int, seed:int=0, video:bool=False):
    "Box annotations of `n_images` images (or frames, with object ids), their sizes, and the item ids in order."
    rnd, ann, sizes = random.Random(seed), {}, {}
    for i in range(n_images):
        W, H = (1280, 720) if video else rnd.choice([(640, 480), (1280, 720), (1920, 1080)])
        boxes = []
        for k in range(n_boxes):
            w, h = rnd.randint(1, W//3), rnd.randint(1, H//3)
            b = {'x': rnd.randint(0, W - w), 'y': rnd.randint(0, H - h), 'width': w, 'height': h}
            boxes.append({**b, 'id': k + 1} if video else b)
        item = f'video_0/frame_{i:06d}.jpg' if video else f'part_{i // 1000}/img_{i:06d}.jpg'
        ann[item], sizes[item] = {'bbox': boxes, 'labels': [[rnd.choice(CLASSES)] for _ in boxes]}, (W, H)
    return ann, sizes, list(ann)

def written(paths) -> tuple[int, int]:
    "Number of files and their total bytes."
    paths = [Path(p) for p in paths]
    return len(paths), sum(p.stat().st_size for p in paths)

def timed(f, repeat:int):
    "The median seconds of `repeat` calls of `f`, and the last result."
    times = []
    for _ in range(repeat):
        t = time.perf_counter(); out = f(); times.append(time.perf_counter() - t)
    return statistics.median(times), out

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--images', type=int, default=10_000)
    ap.add_argument('--boxes', type=int, default=5)
    ap.add_argument('--repeat', type=int, default=1)
    a = ap.parse_args()
    ann, sizes, _ = make(a.images, a.boxes)
    vid, vsizes, frames = make(a.images, a.boxes, video=True)
    rows = []
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        t, _ = timed(lambda: write_coco(ann, None, d/'coco.json', CLASSES, sizes=sizes), a.repeat)
        r, back = timed(lambda: from_coco(d/'coco.json'), 1)
        rows.append(('COCO', t, *written([d/'coco.json']), r, back == ann))
        t, files = timed(lambda: write_voc(ann, None, d/'voc', CLASSES, sizes=sizes), a.repeat)
        r, back = timed(lambda: read_voc(d/'voc', CLASSES), 1)
        rows.append(('Pascal VOC', t, *written(files), r, back == ann))
        t, files = timed(lambda: write_yolo(ann, None, d/'yolo', CLASSES, sizes=sizes), a.repeat)
        r, back = timed(lambda: read_yolo(d/'yolo', CLASSES, sizes), 1)
        rows.append(('YOLO', t, *written(files), r, back == ann))
        t, _ = timed(lambda: write_mot(vid, d/'gt.txt', frames, CLASSES), a.repeat)
        r, back = timed(lambda: read_mot(d/'gt.txt', frames, CLASSES), 1)
        rows.append(('MOT (video frames)', t, *written([d/'gt.txt']), r, back == vid))
    print(f'{a.images:,} images x {a.boxes} boxes, sizes given; Python {platform.python_version()}, '
          f'{os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}; write time: median of {a.repeat}')
    print(f"{'format':<20}{'write s':>9}{'files':>8}{'MB':>8}{'read s':>9}  round trip")
    for name, t, n, size, r, ok in rows:
        print(f'{name:<20}{t:>9.2f}{n:>8,}{size/1e6:>8.2f}{r:>9.2f}  {"equal" if ok else "DIFFERENT"}')
    if not all(row[-1] for row in rows): sys.exit(1)

if __name__ == '__main__': main()
