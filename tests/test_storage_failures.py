"""Failures of the stores that the user must see, with real files and processes.

- A full disk: every write that cannot be saved raises `AnnotationWriteError` naming the file (never reports success),
  and after it nothing acknowledged is lost (a file-size limit in a subprocess; a small tmpfs where mounting works).
- A read-only folder is refused at opening, as read-only (not as a damaged database, not silently read-only).
- A SQLite file damaged in the middle is refused at opening, its name given, and left as it was.
- Ground truth of the wrong shape is refused with the file and the key.
"""
import json, os, shutil, signal, subprocess, sys, tempfile
from pathlib import Path

import pytest

from ipyannotator.mltypes import OutputImageBbox, OutputImageLabel
from ipyannotator.storage import AnnotationFileError, AnnotationWriteError, JSONStore, SQLiteStore, read_annotations_json

ROOT = Path(__file__).resolve().parents[1]
STORES = {'sqlite': (SQLiteStore, 'annotations.sqlite'), 'json': (JSONStore, 'annotations.json')}


# --- a full disk ---------------------------------------------------------------------------------------

FULL_DISK = r'''
import json, resource, signal, sys
from ipyannotator.storage import AnnotationWriteError, JSONStore, SQLiteStore
kind, path, limit = sys.argv[1], sys.argv[2], int(sys.argv[3])
s = SQLiteStore(path, author='ada') if kind == 'sqlite' else JSONStore(path, author='ada')
s.put('first.jpg', ['cat'])
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)                 # a write past the limit fails with EFBIG instead of killing us
resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))     # no file of this process may grow past `limit` bytes
failed = 0
for k in range(5000):
    try:
        if k % 2: s.apply({f'a{k:04d}.jpg': ['dog', k], f'b{k:04d}.jpg': ['dog', k]})
        else: s.put(f'p{k:04d}.jpg', ['cat', 'x' * 300, k])
        print(json.dumps(['saved', k]), flush=True)           # acknowledged
    except AnnotationWriteError as e:
        print(json.dumps(['failed', k, str(e)]), flush=True)
        failed += 1
        if failed == 5: break
'''

def _expected(acked:list[int]) -> dict:
    out = {'first.jpg': ['cat']}
    for k in acked:
        if k % 2: out[f'a{k:04d}.jpg'] = out[f'b{k:04d}.jpg'] = ['dog', k]
        else: out[f'p{k:04d}.jpg'] = ['cat', 'x' * 300, k]
    return out

@pytest.mark.parametrize('kind', STORES)
def test_full_disk_raises_and_loses_nothing_acknowledged(kind, tmp_path):
    cls, name = STORES[kind]
    path = tmp_path/name
    r = subprocess.run([sys.executable, '-c', FULL_DISK, kind, str(path), str(512 * 1024)], cwd=ROOT,
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]          # every failure was an AnnotationWriteError, caught
    lines = [json.loads(l) for l in r.stdout.splitlines()]
    acked = [k for status, k, *_ in lines if status == 'saved']
    failures = [(k, msg) for status, k, *msg in lines if status == 'failed']
    assert len(acked) >= 10 and len(failures) == 5, lines[-10:]
    for k, [msg] in failures:
        assert str(path) in msg and 'the change was not saved' in msg and 'Everything saved before is kept' in msg, msg
    with cls(path, author='ada') as s:                   # reopened without the limit: exactly what was acknowledged
        assert dict(s.items()) == _expected(acked)
        s.put('after.jpg', ['ok'])                       # and the store goes on working
    with cls(path, author='ada') as s: assert s.get('after.jpg') == ['ok'] and s.count() == len(_expected(acked)) + 1


@pytest.fixture
def small_disk():
    "A 4 MB tmpfs (a real 'no space left on device'); skipped where mounting is not allowed."
    folder = Path(tempfile.mkdtemp(prefix='ipyannotator-small-disk-'))
    r = subprocess.run(['mount', '-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', str(folder)], capture_output=True, text=True)
    if r.returncode != 0:
        folder.rmdir()
        pytest.skip(f'cannot mount a small tmpfs here ({r.stderr.strip() or r.returncode}); the file-size-limit test covers a full disk')
    try: yield folder
    finally:
        subprocess.run(['umount', str(folder)], check=True)
        folder.rmdir()

@pytest.mark.filterwarnings('ignore:.*the file was not rewritten')   # a compaction that found the disk full: reported
@pytest.mark.parametrize('kind', STORES)
def test_a_really_full_disk(kind, small_disk):
    cls, name = STORES[kind]
    path, acked = small_disk/name, {}
    (small_disk/'ballast').write_bytes(b'\0' * 3_500_000)    # most of the disk taken by another file
    with cls(path, author='ada') as s:
        with pytest.raises(AnnotationWriteError) as e:
            for k in range(100_000):
                s.put(f'{k:05d}.jpg', ['cat', 'x' * 300]); acked[f'{k:05d}.jpg'] = ['cat', 'x' * 300]
        assert f'{path}' in str(e.value) and 'the disk is full' in str(e.value), str(e.value)
        for k in range(5):                                     # a write either raises or is saved, whatever its size
            step = {f'late{k}.jpg': ['dog', 'x' * 300 * k], f'later{k}.jpg': ['dog']}
            try: s.apply(step); acked.update(step)
            except AnnotationWriteError: pass
        (small_disk/'ballast').unlink()                        # space again
        s.put('after.jpg', ['ok']); acked['after.jpg'] = ['ok']
    with cls(path, author='ada') as s: assert dict(s.items()) == acked


# --- a read-only folder ------------------------------------------------------------------------------------

@pytest.fixture
def read_only(tmp_path):
    "`make(folder)` makes `folder` read-only for this process (permissions; as root, a read-only bind mount) and returns it."
    mounts, folders = [], []
    def make(folder:Path) -> Path:
        if os.geteuid() != 0:
            folders.append(folder); folder.chmod(0o555)
            return folder
        view = folder.with_name(folder.name + '-ro'); view.mkdir()
        r = subprocess.run(['mount', '--bind', str(folder), str(view)], capture_output=True, text=True)
        if r.returncode != 0: pytest.skip(f'running as root, and a read-only bind mount is not allowed here ({r.stderr.strip()})')
        mounts.append(view)
        subprocess.run(['mount', '-o', 'remount,bind,ro', str(view)], check=True)
        return view
    yield make
    for view in mounts: subprocess.run(['umount', str(view)], check=True)
    for folder in folders: folder.chmod(0o755)

def _sqlite_file(folder): 
    with SQLiteStore(folder/'annotations.sqlite', author='ada') as s: s.put('1.jpg', ['cat'])

def _json_085_file(folder):
    (folder/'annotations.json').write_text(json.dumps({'p/images/1.jpg': ['cat'], 'p/images/2.jpg': None}, indent=4))

@pytest.mark.parametrize('kind,make', [('sqlite', _sqlite_file), ('json', _json_085_file), ('sqlite', None), ('json', None)],
                         ids=['sqlite-file', 'json-file', 'sqlite-new', 'json-new'])
def test_read_only_folder_is_refused_as_read_only(kind, make, tmp_path, read_only):
    cls, name = STORES[kind]
    folder = tmp_path/'results'; folder.mkdir()
    if make: make(folder)
    before = sorted((p.name, p.read_bytes()) for p in folder.iterdir())
    view = read_only(folder)
    with pytest.raises(AnnotationWriteError) as e: cls(view/name, author='ada')
    msg = str(e.value)
    assert f'the folder {view} is read-only' in msg and 'damaged' not in msg, msg
    assert 'Make the folder writable, or set Settings.result_dir' in msg
    assert sorted((p.name, p.read_bytes()) for p in folder.iterdir()) == before


# --- a SQLite file damaged in the middle -------------------------------------------------------------------

def test_sqlite_damaged_in_the_middle_is_refused(tmp_path):
    path = tmp_path/'annotations.sqlite'
    with SQLiteStore(path, author='ada') as s: s.put_many((f'img{i:05d}.jpg', ['cat', i]) for i in range(20_000))
    size = path.stat().st_size
    with open(path, 'r+b') as f: f.seek(size // 2 - size // 2 % 4096); f.write(os.urandom(4096))   # one page in the middle
    before = path.read_bytes()
    with pytest.raises(AnnotationFileError) as e: SQLiteStore(path, author='ada')
    assert f'{path}, integrity check: damaged SQLite database' in str(e.value), str(e.value)
    assert path.read_bytes() == before and sorted(p.name for p in tmp_path.iterdir()) == ['annotations.sqlite']


# --- ground truth of the wrong shape -------------------------------------------------------------------------

WRONG = [  # file content, the output whose `validate` checks it, what the message says after the file name
    ('{"im0.png": 5}', lambda: OutputImageLabel(label_dir='labels'), "key 'im0.png': a label annotation must be a list of class names, got 5"),
    ('{"im0.png": ["a.jpg"], "im1.png": [1, 2]}', lambda: OutputImageLabel(label_dir='labels'), "key 'im1.png': a label annotation must be a list"),
    ('{"im0.png": [1, 2]}', lambda: OutputImageBbox(classes=['cat']), "key 'im0.png': a box annotation must be a dict with 'bbox' and 'labels'"),
    ('{"im0.png": {"bbox": [{"x": 1}], "labels": [[]]}}', lambda: OutputImageBbox(), "key 'im0.png': box {'x': 1} lacks y, width, height"),
    ('"im0.png"', lambda: OutputImageLabel(label_dir='labels'), 'top level: expected a JSON object {item: annotation}, found a str'),
    ('[1, 2]', lambda: OutputImageLabel(label_dir='labels'), 'top level: expected a JSON object {item: annotation}, found a list'),
]

@pytest.mark.parametrize('text,output,message', WRONG, ids=[w[2][:30] for w in WRONG])
def test_wrong_shaped_ground_truth_names_file_and_key(text, output, message, tmp_path):
    path = tmp_path/'annotations.json'; path.write_text(text)
    with pytest.raises(AnnotationFileError) as e: read_annotations_json(path, validate=output().validate)
    assert f'{path}, {message}' in str(e.value), str(e.value)
