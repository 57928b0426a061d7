"""A classification project of N images for the navigation benchmarks, made fast: 32 distinct 640x480 JPEGs
hard-linked (or copied) under N names, plus the class images of the artificial classification set.
Shared by bench_navigation.py (ours) and ref_navigation_085.py (0.8.5, from its own venv): standard library and Pillow only."""
import os, shutil
from pathlib import Path

N_DISTINCT = 32


def make_project(root: Path, n_items: int, seed: int = 0) -> Path:
    "A project folder with `images/` (n_items JPEGs) and `class_images/` (4 classes); reused if present."
    root = Path(root)
    images, labels = root/'images', root/'class_images'
    if images.is_dir() and len(os.listdir(images)) == n_items: return root
    from PIL import Image, ImageDraw
    import random
    rnd = random.Random(seed)
    originals = root/'originals'
    originals.mkdir(parents=True, exist_ok=True)
    for k in range(N_DISTINCT):
        im = Image.new('RGB', (640, 480), tuple(rnd.randrange(60, 200) for _ in range(3)))
        d = ImageDraw.Draw(im)
        for _ in range(6):
            x, y, r = rnd.randrange(640), rnd.randrange(480), rnd.randrange(20, 120)
            d.ellipse([x - r, y - r, x + r, y + r], fill=tuple(rnd.randrange(256) for _ in range(3)))
        im.save(originals/f'{k}.jpg', quality=90)
    images.mkdir(exist_ok=True)
    for i in range(n_items):
        src, dst = originals/f'{i % N_DISTINCT}.jpg', images/f'img_{i:06d}.jpg'
        try: os.link(src, dst)
        except OSError: shutil.copy(src, dst)
    labels.mkdir(exist_ok=True)
    for name, colour in [('circle', 'red'), ('square', 'orange'), ('star', 'green'), ('triangle', 'gold')]:
        Image.new('RGB', (64, 64), colour).save(labels/f'{name}.jpg')
    return root
