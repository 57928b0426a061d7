"""Video boxes: a frame step with 20 tracked objects in the annotator, and interpolation of 1,000 frames x 50 tracks.

    python tests/benchmarks/bench_video.py
    python tests/benchmarks/bench_video.py --objects 20 --frames 60 --repeat 20

Rows, each a median and p95 in milliseconds:
- step, create: PageDown to the next frame of a video whose 20 objects have a keyframe every 10 frames (interpolated
  between), images cached: reading the frame's boxes from the tracks, loading the editor, drawing both layers, the
  box list (20 rows), the title and frame bar. Python time: no browser is connected, so nothing is sent.
- of which tracks and editor: `VideoTracks.value` and `TrackEditor.load_value` alone, no widget;
- step, playing: the same while playing, when the box list waits for the pause;
- step, create, 3 trajectories: the same with the trajectories of 3 objects drawn.
- step, new frame: PageDown onto frames without annotation, which show the boxes copied forward from frame 1.
- step, explore: the same on the ground truth, read-only.
- keyframe move: a box moved by a drag in a frame between two keyframes: the tracks re-interpolated, the frames that
  changed (about 10) written to SQLite in one transaction, the frame shown again.
- interpolate_boxes: the whole array of 1,000 frames x 50 tracks (keyframes at random, 5%) at once;
- VideoTracks, all tracks: the same through `VideoTracks`, one track at a time, as edits do;
- set_box: one keyframe set in the middle of a 1,000-frame track (that track re-interpolated), and copy forward over
  1,000 frames with 50 objects (a jump from the first frame to the last).
"""
import argparse, platform, statistics, tempfile, time
from pathlib import Path
import numpy as np

from ipyannotator.base import Settings
from ipyannotator.mltypes import InputImage, OutputVideoBbox
from ipyannotator.generators import create_video
from ipyannotator.storage import read_annotations_json
from ipyannotator.tracks import VideoTracks, interpolate_boxes
from ipyannotator.annotators.base import press
from ipyannotator.annotators.video import VideoTask


def timed(f) -> float:
    t = time.perf_counter(); f(); return time.perf_counter() - t


def stats(times):
    ms = sorted(t*1000 for t in times)
    return statistics.median(ms), ms[min(len(ms) - 1, round(0.95*(len(ms) - 1)))]


def keyframed(values: dict, frames: list, classes, every: int) -> dict:
    "The ground truth with a keyframe every `every` frames and the frames between interpolated."
    tr = VideoTracks(frames, classes).load(values)
    keep = np.zeros(len(frames), bool); keep[::every] = True; keep[-1] = True
    for t in tr.tracks.values():
        t.key &= keep
        tr._derive(t)
    return tr.values()


def annotator_steps(d: Path, n_objects: int, n_frames: int) -> dict:
    "Seconds of the annotator's steps (see the module docstring)."
    project = create_video(d/'vid', n_frames=n_frames, n_objects=n_objects, seed=1)
    classes = (project/'gt'/'classes.txt').read_text().split()
    out = OutputVideoBbox(classes=classes)
    task = VideoTask(InputImage(image_width=640, image_height=480), out, Settings(project_path=project, annotator='bench'))
    frames = task.source.frames(task.source.videos[0])
    gt = read_annotations_json(project/'annotations.json', project/'images')
    task.store.put_many(keyframed(gt, frames, classes, 10).items())
    res = {}

    def steps(a, n=n_frames - 1):
        for f in frames: a.loader.get(f)          # images cached: the step is measured, not the JPEG decoding
        a.go_to(frames[0])
        for _ in range(n): press(a, 'PageDown')   # once to warm up
        a.go_to(frames[0])
        return [timed(lambda: press(a, 'PageDown')) for _ in range(n)]

    a = task.create()
    res['step, create'] = steps(a)
    e, tr = a.editor, a.tracks
    res['  of which tracks and editor'] = [timed(lambda: e.load_value(tr.value(f), 320, 240, selected_id=1)) for f in range(n_frames)]
    a.play.playing = True
    res['step, playing (list at pause)'] = steps(a)
    a.play.playing = False
    a.track_list.value = tuple(list(a.tracks.tracks)[:3])
    res['step, create, 3 trajectories'] = steps(a)
    a.track_list.value = ()
    moves = []
    for f in range(5, n_frames - 5, 10):              # a frame between two keyframes
        a.go_to(frames[f]); a.select(0)
        x, y, w, h = a.editor.boxes[0]
        s = a.canvas.scale_x
        mouse = lambda e, px, py: a.canvas.multi_canvas._handle_custom_msg({'event': f'mouse_{e}', 'x': px, 'y': py}, [])
        cx, cy = (x + w/2)*s, (y + h/2)*s
        mouse('down', cx, cy); mouse('move', cx + 6, cy)
        moves.append(timed(lambda: mouse('up', cx + 6, cy)))
        assert 'moved' in a.status.value, a.status.value
    res['keyframe move (drag ends)'] = moves

    fresh = VideoTask(task.input, out, Settings(project_path=project, annotator='bench', result_dir='fresh'))
    fresh.store.put(frames[0], gt[frames[0]])
    b = fresh.create()
    res['step, new frame (copied)'] = steps(b)
    assert fresh.store.count() == 1, 'showing frames must write nothing'
    e = task.explore()
    res['step, explore'] = steps(e)
    task.close(); fresh.close()
    return res


def interpolation(n_frames=1000, n_tracks=50, repeat=20) -> dict:
    "Seconds of interpolation over `n_frames` x `n_tracks` (see the module docstring)."
    rng = np.random.default_rng(0)
    box = rng.uniform(0, 500, (n_frames, n_tracks, 4))
    present = np.ones((n_frames, n_tracks), bool)
    key = rng.random((n_frames, n_tracks)) < .05; key[0] = True
    res = {f'interpolate_boxes {n_frames} x {n_tracks}': [timed(lambda: interpolate_boxes(box, present, key)) for _ in range(repeat)]}
    tr = VideoTracks([f'v/{i:05d}.jpg' for i in range(n_frames)])
    for j in range(n_tracks): tr.add_track(0, tuple(box[0, j]), [])
    tr.copy_forward(n_frames - 1)
    for t, j in zip(tr.tracks.values(), range(n_tracks)):
        t.key[:] = key[:, j]; t.box[:] = box[:, j]
    res[f'VideoTracks, all {n_tracks} tracks'] = [timed(lambda: [tr._derive(t) for t in tr.tracks.values()]) for _ in range(repeat)]
    res['set_box, one track'] = [timed(lambda: tr.set_box(1 + k % n_tracks, n_frames//2, (10 + k, 10, 20, 20))) for k in range(repeat)]

    def jump():
        v = VideoTracks([f'v/{i:05d}.jpg' for i in range(n_frames)])
        for j in range(n_tracks): v.add_track(0, tuple(box[0, j]), [])
        return timed(lambda: v.copy_forward(n_frames - 1))
    res[f'copy forward {n_frames} frames x {n_tracks}'] = [jump() for _ in range(max(3, repeat//4))]
    return res


if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--objects', type=int, default=20)
    ap.add_argument('--frames', type=int, default=60)
    ap.add_argument('--repeat', type=int, default=20)
    a = ap.parse_args()
    print(f"Python {platform.python_version()}, {platform.machine()}; frames of 320x240 shown at 640x480; "
          f"goals: a step <= 5 ms, interpolating 1,000 x 50 <= 100 ms\n")
    head = f"{'what':<46} | {'n':>4} | {'median ms':>9} | {'p95 ms':>7}"
    print(head); print('-'*len(head))
    with tempfile.TemporaryDirectory() as d:
        rows = {**{f'{k} ({a.objects} objects)': v for k, v in annotator_steps(Path(d), a.objects, a.frames).items()},
                **interpolation(repeat=a.repeat)}
    for what, times in rows.items():
        med, p95 = stats(times)
        print(f'{what:<46} | {len(times):>4} | {med:>9.2f} | {p95:>7.2f}')
