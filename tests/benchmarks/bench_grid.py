"""Grid capture: a page of 12 thumbnails (3 x 4, 100x100) of 640x480 JPEGs, cold (decoded) and cached, and the
steps around it, at 120 and 10k images.

    python tests/benchmarks/bench_grid.py                    # 120 and 10,000 images
    python tests/benchmarks/bench_grid.py --sizes 120 --pages 10

Rows, each a median and p95 in milliseconds over `--pages` pages:
- thumbnails cold / cached: the 12 `ImageLoader.thumbnail` calls of a page, alone;
- page cold: PageDown to a page never shown (the page left is answered: up to 12 writes; 12 decodes);
- page cached: PageUp / PageDown between pages already shown and answered (no decode, no write);
- toggle: a digit key selects an item (one store write, the title recounted);
and 'open create', once: listing the folder, reading every answer and showing the first page; and the widget messages
a cold page and a toggle send to the browser (issue 14: at most 6 a step; a page's thumbnails are one message).
"""
import argparse, platform, statistics, sys, tempfile, time
from pathlib import Path
sys.path.insert(0, str(Path(__file__).parent))
from nav_dataset import make_project

from ipywidgets.widgets import widget as _widget
from ipyannotator.base import Settings
from ipyannotator.mltypes import InputImage, OutputGridBox
from ipyannotator.media import FolderSource
from ipyannotator.image_loader import ImageLoader
from ipyannotator.annotators.base import press
from ipyannotator.annotators.grid import GridTask

THUMB = 100


def timed(f) -> float:
    t = time.perf_counter(); f(); return time.perf_counter() - t


def messages(f, counts: list) -> float:
    "Seconds of `f()`; the number of widget messages it sent is appended to `counts`."
    sent, send = [0], _widget.Widget._send
    def counting(self, msg, buffers=None): sent[0] += 1; return send(self, msg, buffers)
    _widget.Widget._send = counting
    try: return timed(f)
    finally: _widget.Widget._send = send; counts.append(sent[0])


def thumbnails_alone(project: Path, pages: int) -> tuple[list[float], list[float]]:
    "Seconds for the 12 thumbnails of each page, first cold then cached."
    src = FolderSource(project/'images')
    loader = ImageLoader(src, THUMB, THUMB, cache_size=12*pages)
    page = lambda p: [loader.thumbnail(src[12*p + k], THUMB, THUMB) for k in range(12)]
    cold = [timed(lambda: page(p)) for p in range(pages)]
    cached = [timed(lambda: page(p)) for p in range(pages)]
    assert loader.cache_info()['decodes'] == 12*pages, 'a cached page must decode nothing'
    loader.close()
    return cold, cached


def in_annotator(project: Path, pages: int) -> dict:
    "Seconds of the annotator's steps (see the module docstring)."
    task = GridTask(InputImage(image_width=THUMB, image_height=THUMB), OutputGridBox(),
                    Settings(project_path=project, result_dir='results_bench', annotator='bench', n_rows=3, n_cols=4))
    t = time.perf_counter()
    a = task.create(question='Does it show a circle?')
    opened = time.perf_counter() - t
    toggles, cold, cached, sent_toggle, sent_page = [], [], [], [], []
    for p in range(pages):
        toggles.append(messages(lambda: press(a, str(1 + p % 9)), sent_toggle))
        cold.append(messages(lambda: press(a, 'PageDown'), sent_page))
    for p in range(pages):
        cached.append(timed(lambda: press(a, 'PageUp')))
    decodes = task.loader.cache_info()['decodes']
    assert decodes == 12*(pages + 1), f'each thumbnail decoded once, got {decodes} decodes for {pages + 1} pages'
    assert task.store.count() == 12*(pages + 1), 'every page left must be answered'
    task.close()
    return dict(opened=opened, toggle=toggles, page_cold=cold, page_cached=cached,
                messages_page=statistics.mean(sent_page), messages_toggle=statistics.mean(sent_toggle))


def stats(times):
    ms = sorted(t * 1000 for t in times)
    return statistics.median(ms), ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]


if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--sizes', type=int, nargs='+', default=[120, 10_000])
    ap.add_argument('--pages', type=int, default=9, help='pages timed per size (at most size/12 - 1)')
    a = ap.parse_args()
    print(f"Python {platform.python_version()}, {platform.machine()}; pages of 3 x 4 thumbnails of {THUMB}x{THUMB} "
          f"from 640x480 JPEGs; ms per page or step\n")
    head = f"{'images':>7} | {'what':<28} | {'n':>3} | {'median ms':>9} | {'p95 ms':>7}"
    print(head); print('-' * len(head))
    with tempfile.TemporaryDirectory() as d:
        for n in a.sizes:
            project = make_project(Path(d)/f'n{n}', n)
            pages = min(a.pages, n // 12 - 1)
            cold, cached = thumbnails_alone(project, pages)
            r = in_annotator(project, pages)
            rows = [('12 thumbnails, cold', cold), ('12 thumbnails, cached', cached),
                    ('page, cold (answer + show)', r['page_cold']),
                    ('page, cached (show)', r['page_cached']), ('toggle an item (1 write)', r['toggle'])]
            for label, times in rows:
                med, p95 = stats(times)
                print(f"{n:>7} | {label:<28} | {len(times):>3} | {med:>9.2f} | {p95:>7.2f}")
            print(f"{n:>7} | {'open create (once)':<28} | {1:>3} | {r['opened'] * 1000:>9.2f} | {'':>7}")
            for label in ('page', 'toggle'):
                print(f"{n:>7} | {'messages per ' + label:<28} | {pages:>3} | {r['messages_' + label]:>9.1f} | {'':>7}")
