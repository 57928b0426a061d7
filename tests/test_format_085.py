"""The `annotations.json` of ipyannotator 0.8.5, both ways, checked by running 0.8.5 itself (the reference venv).

- 0.8.5 opening our export lists every item of the project (not only the annotated ones), with our values,
  and the file is byte for byte what 0.8.5 writes for those values.
- A JSON store opened on a results file of 0.8.5 keeps its key prefixes, its `null` entries and its layout:
  0.8.5 lists all 50 images again, with the changes made here.
- A multi-label file written by 0.8.5 is refused by a single-label output with what to do (`multi=True`), and read
  by a multi-label one; boxes drawn by 0.8.5 without classes load.

0.8.5 runs in its own venv, `.venv-ref`, made by tests/benchmarks/reference_venv.sh (about a minute, once; PyPI is
needed). When it cannot be made, the tests fail in CI (CI=true) and are skipped elsewhere, with the reason.
"""
import json, os, subprocess
from pathlib import Path

import pytest
from PIL import Image

from ipyannotator.base import Settings
from ipyannotator.media import FolderSource
from ipyannotator.mltypes import OutputImageBbox, OutputImageLabel
from ipyannotator.storage import AnnotationFileError, export_json, import_json, open_store, read_annotations_json

ROOT = Path(__file__).resolve().parents[1]
N = 50
CLASSES = ['blue.jpg', 'green.jpg', 'red.jpg']


@pytest.fixture(scope='module')
def ref085():
    "The python of the reference venv, built when missing."
    py = ROOT/'.venv-ref'/'bin'/'python'
    ready = [str(py), '-I', '-c', 'import ipyannotator; assert ipyannotator.__version__ == "0.8.5"']
    if py.exists() and subprocess.run(ready, capture_output=True).returncode == 0: return py
    try:
        r = subprocess.run(['bash', str(ROOT/'tests'/'benchmarks'/'reference_venv.sh')], capture_output=True, text=True, timeout=600)
        error = None if r.returncode == 0 else r.stderr[-3000:]
    except subprocess.TimeoutExpired: error = 'timed out after 600 s'
    if error is None: return py
    msg = f"the reference venv of ipyannotator 0.8.5 could not be built (bash tests/benchmarks/reference_venv.sh): {error}"
    if os.environ.get('CI', '').lower() == 'true': pytest.fail(msg)
    pytest.skip(msg)


@pytest.fixture
def project(tmp_path):
    "A folder holding the project `p`: 50 images and three class images, as 0.8.5 projects were laid out."
    (tmp_path/'p'/'images').mkdir(parents=True); (tmp_path/'p'/'class_images').mkdir()
    for i in range(N): Image.new('RGB', (8, 8), (i * 5, 0, 0)).save(tmp_path/'p'/'images'/f'im{i:02d}.png')
    for c, rgb in zip(CLASSES, [(0, 0, 255), (0, 255, 0), (255, 0, 0)]): Image.new('RGB', (8, 8), rgb).save(tmp_path/'p'/'class_images'/c)
    return tmp_path


# 0.8.5's image-label annotator (`create`, results in p/results/annotations.json), driven as its front end would:
# on image k it clicks the labels of steps[k], then Next (which saves); Save on the last one.
LABELS_085 = r'''
import json, sys, warnings
warnings.filterwarnings('ignore')
from pathlib import Path
from ipyannotator.annotator import Annotator
from ipyannotator.base import Settings
from ipyannotator.mltypes import InputImage, OutputImageLabel
from ipyannotator.storage import AnnotationStorage
steps = json.loads(sys.argv[1])
try:
    a = Annotator(InputImage(image_dir='images', image_width=50, image_height=50), OutputImageLabel(label_dir='class_images'),
                  Settings(project_path=Path('p'), result_dir='results')).create()
except UserWarning as e:
    print(json.dumps({'error': str(e)})); sys.exit()
for k, labels in enumerate(steps):
    if k: a.view._navi._next_btn.click()
    for label in labels: a.controller.handle_grid_click(None, label)
if steps: a.view._save_btn.click()
AnnotationStorage.save(a.storage, 'resaved_by_085.json')  # what 0.8.5 writes for the values it holds
same = Path('resaved_by_085.json').read_bytes() == Path('p/results/annotations.json').read_bytes()
print(json.dumps({'images': a.app_state.max_im_number, 'values': a.storage.to_dict(only_annotated=False), 'same_bytes': same}))
'''

# 0.8.5's box annotator with no classes: draws two boxes on the first image, then Save.
BOXES_085 = r'''
import json, warnings
warnings.filterwarnings('ignore')
from pathlib import Path
from ipyannotator.annotator import Annotator
from ipyannotator.base import Settings
from ipyannotator.mltypes import BboxCoordinate, InputImage, OutputImageBbox
a = Annotator(InputImage(image_dir='images', image_width=50, image_height=50), OutputImageBbox(),
              Settings(project_path=Path('p'), result_dir='results')).create()
a.view._image_box._state.bbox_coords = [BboxCoordinate(1, 2, 3, 4), BboxCoordinate(5, 6, 7, 8)]
a.view._save_btn.click()
print(json.dumps({'images': a.app_state.max_im_number}))
'''

def run_085(py, folder, code, *args) -> dict:
    "Run `code` with 0.8.5 in `folder` (its keys are relative to the working directory); its JSON answer."
    r = subprocess.run([str(py), '-I', '-c', code, *args], cwd=folder, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    return json.loads(r.stdout.strip().splitlines()[-1])

def key(i:int) -> str: return f'p/images/im{i:02d}.png'


def test_085_lists_every_item_of_our_export(ref085, project):
    ours = {f'im{i:02d}.png': [CLASSES[i % 3]] for i in range(7)} | {'im30.png': []}   # 8 of 50 annotated
    settings = Settings(project_path=project/'p', annotator='ada')
    with open_store(settings, task='labels') as s:
        s.put_many(ours.items())
        export_json(s, settings.result_path/'annotations.json', key_prefix='p/images', items=FolderSource(settings.image_path))
    got = run_085(ref085, project, LABELS_085, '[]')
    assert got.get('images') == N, got
    assert got['values'] == {key(i): ours.get(f'im{i:02d}.png') for i in range(N)}
    assert got['same_bytes'], 'our export is not laid out as 0.8.5 writes it'
    # and back: what 0.8.5 then adds comes into our store
    got = run_085(ref085, project, LABELS_085, json.dumps([[]] * 7 + [['green.jpg']]))   # image 7 labeled by 0.8.5
    with open_store(settings, task='labels') as s:
        assert import_json(s, settings.result_path/'annotations.json', image_root=settings.image_path) == 1
        assert s.get('im07.png') == ['green.jpg'] and dict(s.items()) == ours | {'im07.png': ['green.jpg']}


def test_json_store_keeps_a_085_file(ref085, project):
    steps = [['red.jpg']] * 4 + [['blue.jpg']] * 4   # 0.8.5 labels 8 images; 42 stay null
    made = run_085(ref085, project, LABELS_085, json.dumps(steps))
    assert made['images'] == N and sum(v is None for v in made['values'].values()) == N - 8
    settings = Settings(project_path=project/'p', annotator='ada', store='json')
    with open_store(settings, task='labels') as s:
        assert dict(s.items()) == {f'im{i:02d}.png': steps[i] for i in range(8)}
        s.put('im20.png', ['green.jpg']); s.put('im03.png', ['blue.jpg']); s.delete('im01.png')
    again = run_085(ref085, project, LABELS_085, '[]')
    assert again.get('images') == N, again   # 0.8.5 still lists every image ("No Images to display" before)
    assert again['values'] == made['values'] | {key(20): ['green.jpg'], key(3): ['blue.jpg'], key(1): None}
    assert again['same_bytes'], 'the rewritten file is not laid out as 0.8.5 writes it'


def test_multi_label_file_of_085(ref085, project):
    run_085(ref085, project, LABELS_085, json.dumps([['red.jpg', 'blue.jpg'], ['red.jpg']]))
    path, images = project/'p'/'results'/'annotations.json', project/'p'/'images'
    single = OutputImageLabel(label_dir='class_images')
    with pytest.raises(AnnotationFileError) as e: read_annotations_json(path, images, validate=lambda v: single.validate(v, CLASSES))
    assert f"{path}, key 'p/images/im00.png': one label per item expected" in str(e.value)
    assert 'pass multi=True to OutputImageLabel' in str(e.value)
    multi = OutputImageLabel(label_dir='class_images', multi=True)
    assert read_annotations_json(path, images, validate=multi.validate) == {'im00.png': ['blue.jpg', 'red.jpg'], 'im01.png': ['red.jpg']}


def test_boxes_without_classes_of_085(ref085, project):
    assert run_085(ref085, project, BOXES_085)['images'] == N
    path, images = project/'p'/'results'/'annotations.json', project/'p'/'images'
    output = OutputImageBbox(classes=[])
    values = read_annotations_json(path, images, validate=output.validate)
    assert values == {'im00.png': {'bbox': [{'x': 1, 'y': 2, 'width': 3, 'height': 4}, {'x': 5, 'y': 6, 'width': 7, 'height': 8}],
                                   'labels': [[], []]}}
    assert [labels for _, labels in output.boxes(values['im00.png'])] == [[], []]
