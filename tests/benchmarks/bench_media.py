"""Figures for ipyannotator.media: bringing a 12-megapixel JPEG to an 800 x 600 canvas, and listing 100 000 files.

    python tests/benchmarks/bench_media.py [--runs 7] [--files 100000]

Prints tables; asserts nothing. Goals: <= 30 ms cold, <= 200 KB sent, <= 0.5 s to list 100 000 files.
"Cold" is a new ImageLoader (and FolderSource) whose cache does not hold the item. The OS page cache is
warm unless said otherwise: "OS cache dropped" evicts the file's pages with posix_fadvise(DONTNEED) first.
The photos are synthetic but photo-like (smooth gradients, sensor-like noise, hard-edged shapes), JPEG quality
90; decoding a JPEG costs in proportion to its size, so two noise levels are measured. When the reference
venv exists (tests/benchmarks/reference_venv.sh), ipyannotator 0.8.5's own image preparation (ScaledImage) is
timed on the same file, in that venv.
"""
import argparse, io, os, shutil, statistics, subprocess, sys, tempfile, time
from pathlib import Path
import numpy as np
from PIL import Image, ImageDraw
from ipyannotator.media import FolderSource, load_image
from ipyannotator.image_loader import ImageLoader

REPO = Path(__file__).resolve().parents[2]
BOX = (800, 600)


def photo(sigma: float, seed: int = 0, w: int = 4000, h: int = 3000) -> Image.Image:
    "A photo-like 4000 x 3000 image: gradients, Gaussian noise of `sigma`, 80 filled or outlined shapes."
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    a = np.stack([128 + 100 * np.sin(x / 700) * np.cos(y / 500), 60 + 150 * x / w, 200 - 150 * y / h], -1)
    a += rng.normal(0, sigma, a.shape).astype(np.float32)
    im = Image.fromarray(np.clip(a, 0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(im)
    for _ in range(80):
        x0, y0, s = int(rng.integers(0, w)), int(rng.integers(0, h)), int(rng.integers(40, 700))
        colour = tuple(int(c) for c in rng.integers(0, 256, 3))
        if rng.random() < .5: draw.ellipse([x0, y0, x0 + s, y0 + s], fill=colour)
        else: draw.rectangle([x0, y0, x0 + s, y0 + s // 2], outline=colour, width=int(rng.integers(3, 30)))
    return im


def timed(f, runs: int, setup=None) -> tuple[float, float, object]:
    "Median wall-clock and CPU (this process) milliseconds of `runs` calls of `f`, and its last result."
    walls, cpus, out = [], [], None
    for _ in range(runs):
        if setup: setup()
        t, c = time.perf_counter(), time.process_time()
        out = f()
        walls.append(time.perf_counter() - t); cpus.append(time.process_time() - c)
    return statistics.median(walls) * 1000, statistics.median(cpus) * 1000, out


def median_ms(f, runs: int, setup=None) -> tuple[float, object]:
    wall, _, out = timed(f, runs, setup)
    return wall, out


def drop_os_cache(path: Path):
    "Evict `path` from the OS page cache (its pages are clean: the file was fsynced)."
    fd = os.open(path, os.O_RDONLY)
    try: os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally: os.close(fd)


def psnr(a: Image.Image, ref: np.ndarray) -> float:
    err = ((np.asarray(a.convert('RGB'), np.float64) - ref) ** 2).mean()
    return float('inf') if err == 0 else 10 * np.log10(255 ** 2 / err)


def table(title, header, rows):
    print(f'\n{title}')
    widths = [max(len(str(r[i])) for r in [header] + rows) for i in range(len(header))]
    for r in [header, ['-' * w for w in widths]] + rows:
        print('  '.join(str(c).ljust(w) if i == 0 else str(c).rjust(w) for i, (c, w) in enumerate(zip(r, widths))))


def reference_figures(path: Path, runs: int):
    "ipyannotator 0.8.5's ScaledImage.prepare_canvas on `path`, timed in .venv-ref: (ms, bytes sent) or None."
    py = REPO/'.venv-ref/bin/python'
    if not py.exists(): return None
    code = f'''
import statistics, time
from ipycanvas import Canvas
from ipyannotator.bbox_canvas import ScaledImage
c, times = Canvas(width={BOX[0]}, height={BOX[1]}), []
for _ in range({runs}):
    t = time.perf_counter(); ic = ScaledImage().prepare_canvas(c, {str(path)!r}); times.append(time.perf_counter() - t)
print(statistics.median(times) * 1000, len(ic.image_widget.value))
'''
    try:
        out = subprocess.run([str(py), '-I', '-c', code], capture_output=True, text=True, timeout=300, cwd=tempfile.gettempdir())
        ms, size = out.stdout.split()[-2:]
        return float(ms), int(size)
    except Exception: return None


def bench_photo(folder: Path, sigma: float, runs: int):
    sub = folder/f'sigma{sigma:g}'; sub.mkdir()
    path = sub/'photo.jpg'
    photo(sigma).save(path, quality=90)
    with open(path, 'rb+') as f: os.fsync(f.fileno())
    size = path.stat().st_size
    new_loader = lambda: ImageLoader(FolderSource(sub), *BOX, prefetch=0)

    def cold_get(): return new_loader().get(0)
    cold = timed(cold_get, runs)
    dropped = timed(cold_get, runs, setup=lambda: drop_os_cache(path))
    loader = new_loader(); loader.get(0)
    cached = timed(lambda: loader.get(0), runs * 20)
    thumb = timed(lambda: new_loader().thumbnail(0, 160, 120), runs)

    def draft_only():
        im = Image.open(path); im.draft('RGB', BOX); im.load(); return im
    draft = timed(draft_only, runs)
    full = timed(lambda: Image.open(path).convert('RGB'), max(3, runs // 2))
    ref = reference_figures(path, runs)
    di, th = cold[2], thumb[2]
    sent = lambda x: [f'{len(x.data) / 1000:.1f}', f'{x.width}x{x.height}']
    ms = lambda t, digits=1: [f'{t[0]:.{digits}f}', f'{t[1]:.{digits}f}']
    rows = [
        ['cold, OS cache warm', *ms(cold), *sent(di)],
        ['cold, OS cache dropped', *ms(dropped), *sent(dropped[2])],
        ['cached (same loader)', *ms(cached, 3), *sent(cached[2])],
        ['thumbnail 160x120, cold', *ms(thumb), *sent(th)],
        ['  of which: JPEG draft decode (1/4)', *ms(draft), '', ''],
        ['  for comparison: full 12 MP decode', *ms(full), '', ''],
        ['0.8.5 ScaledImage (sends the file)', f'{ref[0]:.1f}' if ref else 'n/a', '', f'{(ref[1] if ref else size) / 1000:.0f}', '4000x3000'],
    ]
    table(f'12-MP JPEG (4000x3000, q90, noise sigma {sigma:g}, file {size / 1e6:.2f} MB) to an 800x600 canvas; median of {runs} runs',
          ['case', 'wall ms', 'CPU ms', 'KB sent', 'size sent'], rows)
    if ref is None: print('  (0.8.5 row: no .venv-ref; its bytes are the file as it is: run tests/benchmarks/reference_venv.sh to time it)')
    return path


def bench_browsing(path: Path, folder: Path, n: int = 12, dwell: float = 0.15):
    "Stepping through `n` photos, looking at each for `dwell` seconds: how long `get` makes the user wait."
    sub = folder/'browse'; sub.mkdir()
    for i in range(n): shutil.copy(path, sub/f'{i:02d}.jpg')
    rows = []
    for prefetch in (0, 3):
        loader, waits = ImageLoader(FolderSource(sub), *BOX, prefetch=prefetch), []
        for i in range(n):
            t = time.perf_counter(); loader.get(i); waits.append(time.perf_counter() - t)
            loader.prefetch(i); time.sleep(dwell)
        info = loader.cache_info(); loader.close()
        rows.append([f'prefetch={prefetch}', f'{statistics.median(waits[1:]) * 1000:.1f}', f'{max(waits[1:]) * 1000:.1f}',
                     info['misses'], info['decodes']])
    table(f'Browsing {n} photos like the first, {dwell * 1000:.0f} ms on each: wait in get() after the first',
          ['loader', 'median ms', 'max ms', 'decoded by get', 'decodes'], rows)


def bench_resampling(path: Path, runs: int):
    "Which filter to use after the draft, and for a non-JPEG (no draft) image: time, and error against a reference."
    full = Image.open(path).convert('RGB')
    ref = np.asarray(full.resize(BOX, Image.Resampling.LANCZOS), np.float64)
    drafted = Image.open(path); drafted.draft('RGB', BOX); drafted = drafted.convert('RGB')
    R = Image.Resampling
    def encoded(im):
        buf = io.BytesIO(); im.save(buf, 'JPEG', quality=85, subsampling=0); return Image.open(io.BytesIO(buf.getvalue()))
    cases = [(f'draft {drafted.width}x{drafted.height} + {n}', drafted, r, None) for n, r in
             [('LANCZOS', R.LANCZOS), ('BICUBIC', R.BICUBIC), ('BILINEAR', R.BILINEAR), ('BOX', R.BOX)]]
    cases += [('full + LANCZOS', full, R.LANCZOS, None), ('full + LANCZOS, reducing_gap=2', full, R.LANCZOS, 2.0),
              ('full + BILINEAR, reducing_gap=2', full, R.BILINEAR, 2.0), ('full + reduce(4) + BILINEAR', full, R.BILINEAR, 'reduce')]
    rows = []
    for name, src, res, gap in cases:
        if gap == 'reduce': f = lambda: src.reduce(4).resize(BOX, res)
        elif gap is None: f = lambda: src.resize(BOX, res)
        else: f = lambda: src.resize(BOX, res, reducing_gap=gap)
        ms, out = median_ms(f, runs if src is drafted else max(3, runs // 2))
        rows.append([name, f'{ms:.1f}', f'{psnr(out, ref):.1f}', f'{psnr(encoded(out), ref):.1f}'])
    table('Resampling to 800x600 (PSNR in dB against full-resolution LANCZOS; higher is closer)',
          ['method', 'resize ms', 'PSNR', 'PSNR after JPEG q85 4:4:4'], rows)


def make_files(root: Path, n: int, per_folder: int | None):
    for i in range(n):
        folder = root if per_folder is None else root/f'class_{i // per_folder:03d}'
        if per_folder and i % per_folder == 0: folder.mkdir()
        os.close(os.open(folder/f'img_{i}.jpg', os.O_CREAT | os.O_WRONLY, 0o644))


def bench_listing(folder: Path, n: int, runs: int):
    rows = []
    for name, per in [('one folder', None), ('100 class folders', n // 100)]:
        root = folder/f'list_{per}'; root.mkdir()
        t = time.perf_counter(); make_files(root, n, per); made = time.perf_counter() - t
        ms, src = median_ms(lambda: len(FolderSource(root)), runs)
        ids = FolderSource(root)
        index_ms, _ = median_ms(lambda: (ids.refresh(), ids.index(ids[-1] if len(ids) else '')), runs)
        rows.append([f'{n} empty .jpg, {name}', f'{ms / 1000:.3f}', f'{index_ms / 1000:.3f}', f'{made:.1f}'])
        shutil.rmtree(root)
    table(f'Listing a folder (FolderSource + len, natural sort; median of {runs}; files in {folder})',
          ['folder', 'list s', 'list + index s', 'creating them s'], rows)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--runs', type=int, default=7)
    p.add_argument('--files', type=int, default=100_000)
    args = p.parse_args()
    print(f'Python {sys.version.split()[0]}, Pillow {Image.__version__}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} '
          '(timings on a shared machine are noisy: CPU ms is the less disturbed figure)')
    with tempfile.TemporaryDirectory(dir='/tmp') as d:
        d = Path(d)
        typical = bench_photo(d, 4, args.runs)
        bench_photo(d, 12, args.runs)
        bench_resampling(typical, args.runs)
        bench_browsing(typical, d)
        bench_listing(d, args.files, max(3, args.runs // 2))


if __name__ == '__main__': main()
