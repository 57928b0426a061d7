"""A step of an annotator opens no widget and sends few messages to the browser: counted here, so that a regression fails.

Each widget change is a message on the kernel's websocket (`Widget._send`), and each widget made is a comm opened
(`Widget.open`); a widget never closed stays in the kernel and in the page for the rest of the session. The steps are
those a user repeats thousands of times: a label picked then the next item (classification), the next image (boxes,
video), the next page (grid). Counts, not times: the same on any machine. Widgets that show many things at once
(the box list, a page of thumbnails) are one widget each, so a step sends one message for them.
"""
import collections, random
from contextlib import contextmanager
from pathlib import Path
import pytest
from ipywidgets.widgets import widget as _widget
from ipyannotator.base import Settings
from ipyannotator.annotator import Annotator
from ipyannotator.mltypes import InputImage, OutputGridBox, OutputImageBbox, OutputImageLabel, OutputLabel
from ipyannotator.annotators.base import press
from ipyannotator.annotators.grid import GridTask
from ipyannotator.annotators.video import VideoTask
from ipyannotator.datasets import create_classification

STEPS = 20


@contextmanager
def counting():
    "Count the widget messages sent (by widget type) and the widgets opened while the block runs."
    sent, opened = collections.Counter(), collections.Counter()
    send, open_ = _widget.Widget._send, _widget.Widget.open
    def _send(self, msg, buffers=None):
        sent[type(self).__name__] += 1
        return send(self, msg, buffers)
    def _open(self):
        if self.comm is None: opened[type(self).__name__] += 1
        return open_(self)
    _widget.Widget._send, _widget.Widget.open = _send, _open
    try: yield sent, opened
    finally: _widget.Widget._send, _widget.Widget.open = send, open_


@pytest.fixture(scope='module')
def project(tmp_path_factory):
    "A classification project of 60 images with class images, made once for the module."
    return create_classification(tmp_path_factory.mktemp('shapes'), n_items=60, seed=0)


def classes_of(project: Path) -> list[str]: return sorted(p.name for p in (project/'class_images').iterdir())


@pytest.mark.parametrize('images', [True, False], ids=['image labels', 'text labels'])
def test_label_and_next_is_six_messages(project, tmp_path, images):
    output = (OutputImageLabel(label_dir='class_images', label_width=40, label_height=40) if images
              else OutputLabel(class_labels=classes_of(project)))
    annotator = Annotator(InputImage(image_dir='images', image_width=200, image_height=150), output,
                          Settings(project_path=project, result_dir=str(tmp_path), annotator='steps'))
    w = annotator.create()
    press(w, '1'); press(w, 'ArrowRight')                 # the first step enables the ◀ button: not counted
    with counting() as (sent, opened):
        for k in range(STEPS): press(w, str(1 + k % 3)); press(w, 'ArrowRight')
    assert annotator.task.store.count() == STEPS + 1
    assert not opened, f'a step opened widgets: {dict(opened)}'
    assert sum(sent.values()) <= 6*STEPS, f'{sum(sent.values())/STEPS:.1f} messages a step: {dict(sent)}'
    annotator.close()


def test_explore_with_a_class_filter(project, tmp_path):
    annotator = Annotator(InputImage(image_dir='images', image_width=200, image_height=150),
                          OutputImageLabel(label_dir='class_images', label_width=40, label_height=40),
                          Settings(project_path=project, annotator='steps'))
    w = annotator.explore()
    w.class_filter.value = classes_of(project)[0]
    press(w, 'ArrowRight')
    with counting() as (sent, opened):
        for _ in range(min(STEPS, w.navigator.count - 3)): press(w, 'ArrowRight')
    assert not opened and sum(sent.values()) <= 6*STEPS, (dict(opened), dict(sent))


def test_box_steps(project, tmp_path):
    annotator = Annotator(InputImage(image_dir='images', image_width=200, image_height=150), OutputImageBbox(['a', 'b', 'c']),
                          Settings(project_path=project, result_dir=str(tmp_path), annotator='steps'))
    src, rnd = annotator.task.source, random.Random(0)
    boxes = lambda n: {'bbox': [{'x': rnd.randrange(300), 'y': rnd.randrange(200), 'width': 40, 'height': 30} for _ in range(n)],
                       'labels': [[rnd.choice('abc')] for _ in range(n)]}
    annotator.task.store.put_many((src[i], boxes(1 + i % 3)) for i in range(30, 60))
    w = annotator.create()
    press(w, 'PageDown')
    with counting() as (sent, opened):                     # to images without boxes: the image, the layers, the title, the slider
        for _ in range(STEPS): press(w, 'PageDown')
    assert not opened and sum(sent.values()) <= 4*STEPS, (dict(opened), dict(sent))
    assert sent['ImageLayer'] <= STEPS, dict(sent)         # the image, and the next one's bytes sent ahead: one message
    w.go_to(src[32]); w.go_to(src[31])
    with counting() as (sent, opened):                     # through images with 1 to 3 boxes: the list is one message
        for _ in range(STEPS): press(w, 'PageDown')
    assert not opened, dict(opened)
    assert sum(sent.values()) <= 6*STEPS, f'{sum(sent.values())/STEPS:.1f} messages a step: {dict(sent)}'
    assert sent['BoxList'] <= STEPS, dict(sent)
    annotator.close()


def test_grid_page_steps(project, tmp_path):
    task = GridTask(InputImage(image_dir='images', image_width=64, image_height=64), OutputGridBox(),
                    Settings(project_path=project, result_dir=str(tmp_path), annotator='steps', n_rows=2, n_cols=3))
    w = task.create(question='a circle?')
    press(w, 'PageDown')
    pages, toggles, opened = collections.Counter(), collections.Counter(), collections.Counter()
    for _ in range(5):                                     # a thumbnail picked, then the next page (the page left is answered)
        with counting() as (sent, new): press(w, '1')
        toggles.update(sent); opened.update(new)
        with counting() as (sent, new): press(w, 'PageDown')
        pages.update(sent); opened.update(new)
    assert task.store.count() == 6*6
    assert not opened, dict(opened)
    # a page is one message for its six thumbnails (their bytes as buffers), captions and frames; then the title,
    # the status line, the slider, the progress bar
    assert sum(pages.values()) <= 6*5, f'{sum(pages.values())/5:.1f} messages a page: {dict(pages)}'
    assert pages['_ThumbnailView'] <= 5, dict(pages)
    assert sum(toggles.values()) <= 3*5, f'{sum(toggles.values())/5:.1f} messages a pick: {dict(toggles)}'
    task.close()


def test_video_frame_steps(tmp_path):
    project, options = VideoTask.app_demo(tmp_path)
    setup = VideoTask.from_app(project, options)
    task = VideoTask(setup.input, setup.output, Settings(project_path=project, annotator='steps'))
    w = task.create()
    press(w, 'ArrowRight')
    with counting() as (sent, opened):
        for _ in range(STEPS): press(w, 'ArrowRight')
    assert not opened and sum(sent.values()) <= 6*STEPS, (dict(opened), dict(sent))
    task.close()


def test_next_image_goes_ahead(project, tmp_path):
    """At a person's pace (the next image decoded meanwhile), a step's image is in the browser already: sent with the
    step before, in the same message as that step's image, so the step sends no bytes but the next one's."""
    annotator = Annotator(InputImage(image_dir='images', image_width=200, image_height=150),
                          OutputImageLabel(label_dir='class_images', label_width=40, label_height=40),
                          Settings(project_path=project, result_dir=str(tmp_path), annotator='steps'))
    w = annotator.create()
    sent, layer = [], w.canvas.image_layer
    layer.send = lambda content, buffers=None: sent.append((content, len(buffers or [])))
    for _ in range(STEPS):
        w.loader.wait()                                    # a person looks at the image: the next ones are decoded
        press(w, 'ArrowRight')
    added = {}
    for k, (msg, n) in enumerate(sent):
        assert n == len(msg['add']) and n <= 2, msg
        added.update((key, k) for key, _ in msg['add'])
        assert added[msg['show']] < k or k == 0, f'step {k}: its image was not sent ahead: {msg}'
    assert [n for _, n in sent[2:]] == [1]*(STEPS - 2), [n for _, n in sent]   # then one image a step: the next one
    annotator.close()


def test_the_image_is_the_first_message_of_a_step(project, tmp_path):
    "The browser gets the image first, then the title and the slider: what the user waits for is not queued behind them."
    annotator = Annotator(InputImage(image_dir='images', image_width=200, image_height=150),
                          OutputImageLabel(label_dir='class_images', label_width=40, label_height=40),
                          Settings(project_path=project, result_dir=str(tmp_path), annotator='steps'))
    w = annotator.create()
    order, send = [], _widget.Widget._send
    _widget.Widget._send = lambda self, msg, buffers=None: (order.append(type(self).__name__), send(self, msg, buffers))[1]
    try:
        for _ in range(3): order.clear(); press(w, 'ArrowRight'); assert order[0] == 'ImageLayer', order
    finally: _widget.Widget._send = send
    assert {'HTML', 'IntSlider'} <= set(order), order
    annotator.close()
