"""Opening improve reads what it shows, not every value (issue 14: it grew O(N) with the annotated items). The store's
bulk reads are counted: polygons and keypoints are listed from the class index; text reads its annotated items once
and its ground truth once per file."""
from pathlib import Path
import pytest
from PIL import Image
from ipyannotator.base import Settings
from ipyannotator.annotator import Annotator
from ipyannotator.mltypes import InputImage
from ipyannotator.storage import SQLiteStore
from ipyannotator.annotators.polygon import OutputPolygon
from ipyannotator.annotators.keypoints import OutputKeypoints
from ipyannotator.annotators.shape_data import SHAPE_SKELETON

BULK = ('items', 'texts', 'records', 'annotated')


@pytest.fixture
def reads(monkeypatch):
    "Counts the calls of the SQLite store's reads of every value or id."
    counts = dict.fromkeys(BULK, 0)
    for name in BULK:
        real = getattr(SQLiteStore, name)
        def counted(self, *a, _real=real, _name=name, **k):
            counts[_name] += 1
            return _real(self, *a, **k)
        monkeypatch.setattr(SQLiteStore, name, counted)
    return counts


def images(folder: Path, n: int = 12) -> Path:
    (folder/'images').mkdir(parents=True)
    for i in range(n): Image.new('RGB', (80, 60), (20*i % 255, 100, 150)).save(folder/'images'/f'{i:03d}.png')
    return folder


@pytest.mark.parametrize('kind', ['polygons', 'keypoints'])
def test_shape_improve_lists_a_class_from_the_index(tmp_path, reads, kind):
    project = images(tmp_path/'p')
    output = OutputPolygon(['cat', 'dog']) if kind == 'polygons' else OutputKeypoints(SHAPE_SKELETON)
    a = Annotator(InputImage(image_dir='images', image_width=80, image_height=60), output,
                  Settings(project_path=project, annotator='ada'))
    src = a.task.source
    value = ((lambda i: {'polygons': [{'label': ['cat', 'dog'][i % 2], 'points': [[1, 1], [30, 2], [5, 40]]}]})
             if kind == 'polygons' else
             (lambda i: {'keypoints': [{'points': [[5 + k, 5 + k, 2 if (i + k) % 2 else 0] for k in range(5)]}]}))
    a.task.store.put_many((src[i], value(i)) for i in range(len(src)))
    for k in reads: reads[k] = 0
    imp = a.improve()
    assert imp.grid.items, 'improve shows the entries of its first class'
    assert reads == dict.fromkeys(BULK, 0), f'improve read every value to open: {reads}'
    first = imp.grid.items[0]
    expected = [(src[i], 0) for i in range(0, len(src), 2)] if kind == 'polygons' else \
               [(src[i], 0) for i in range(len(src)) if i % 2]          # 'cat'; the skeleton's first point, visible
    assert list(imp.grid.items) == expected and first == expected[0]
    a.close()


def test_text_improve_reads_annotated_once_and_the_truth_once(tmp_path, reads, monkeypatch):
    from ipyannotator.datasets import create_text
    from ipyannotator.annotators import text as text_module
    from ipyannotator.annotators.text import TextTask
    from ipyannotator.annotators.text_items import InputText, OutputTags
    project = create_text(tmp_path/'texts', n_items=40)
    read, real = [], text_module.read_annotations_json
    monkeypatch.setattr(text_module, 'read_annotations_json', lambda *a, **k: read.append(1) or real(*a, **k))
    task = TextTask(InputText('texts.jsonl'), OutputTags(project/'tags.json'), Settings(project_path=project, annotator='ada'))
    task.store.put_many((task.source[i], []) for i in range(0, 40, 3))
    for k in reads: reads[k] = 0
    task.explore(); task.improve(); task.improve()
    assert len(read) == 1, f'the ground truth was read {len(read)} times for three phases opened'
    assert reads['annotated'] == 2, f'{reads}: one read of the annotated items per improve'
    task.close()
