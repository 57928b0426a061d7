"""The package as users get it: the wheel installs into a clean venv and imports there; the committed
modules are what `nbdev_export` makes of the notebooks; the notebooks are as `nbdev_clean` leaves them.
Everything runs on copies in temporary folders: the repository is never written to."""
import configparser, difflib, os, shutil, subprocess, sys, venv
from pathlib import Path
import pytest

REPO = Path(__file__).resolve().parents[1]
LIB = 'ipyannotator'
BIN = Path(sys.executable).parent
# What a wheel is built from (setup.py reads settings.ini and README.md); whatever exists of these is copied.
PACKAGING_FILES = ('setup.py', 'settings.ini', 'README.md', 'MANIFEST.in', 'pyproject.toml', 'setup.cfg', 'LICENSE')
_IGNORE = shutil.ignore_patterns('__pycache__', '*.pyc', '.ipynb_checkpoints', '_proc')


def _version() -> str:
    cfg = configparser.ConfigParser(delimiters=['='])
    cfg.read(REPO/'settings.ini', encoding='utf-8')
    return cfg['DEFAULT']['version']


def _env() -> dict:
    "The environment of a child process: no IN_TEST (it turns nbdev_export off), no PYTHONPATH."
    env = {k: v for k, v in os.environ.items() if k not in ('IN_TEST', 'PYTHONPATH', 'PYTHONHOME')}
    env['PIP_DISABLE_PIP_VERSION_CHECK'] = '1'
    return env


def _run(cmd, cwd, timeout=600) -> subprocess.CompletedProcess:
    "Run `cmd` in `cwd`; on failure, fail the test with its output."
    res = subprocess.run([str(c) for c in cmd], cwd=cwd, env=_env(), capture_output=True, text=True, timeout=timeout)
    if res.returncode != 0:
        pytest.fail(f"{' '.join(map(str, cmd))} failed ({res.returncode}) in {cwd}:\n{res.stdout[-3000:]}\n{res.stderr[-3000:]}")
    return res


def _lib_files(root: Path, pattern='*.py') -> dict[str, bytes]:
    "Files of the package under `root`, by path relative to it."
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob(pattern))
            if p.is_file() and '__pycache__' not in p.parts}


def _diff_report(expected: dict[str, bytes], got: dict[str, bytes], what: str) -> str:
    "A readable account of how `got` differs from `expected`, or '' when they are equal."
    out = []
    for name in sorted(expected.keys() | got.keys()):
        a, b = expected.get(name), got.get(name)
        if a == b: continue
        if a is None: out.append(f'{name}: made by {what} but not in the repository'); continue
        if b is None: out.append(f'{name}: in the repository but not made by {what}'); continue
        diff = difflib.unified_diff(a.decode('utf-8', 'replace').splitlines(), b.decode('utf-8', 'replace').splitlines(),
                                    f'repo/{name}', f'{what}/{name}', lineterm='', n=1)
        out.append('\n'.join(list(diff)[:40]))
    return '\n\n'.join(out)


# ---------------------------------------------------------------------------------------------- wheel

@pytest.fixture(scope='module')
def installed(tmp_path_factory):
    "Build the wheel from a copy of the repository, install it into a fresh venv; yield (venv python, work dir)."
    tmp = tmp_path_factory.mktemp('wheel')
    src = tmp/'src'
    src.mkdir()
    for name in PACKAGING_FILES:
        if (REPO/name).exists(): shutil.copy2(REPO/name, src/name)
    shutil.copytree(REPO/LIB, src/LIB, ignore=_IGNORE)
    dist = tmp/'dist'
    try:
        import build  # noqa: F401  (in the dev extras)
        _run([sys.executable, '-m', 'build', '--wheel', '--outdir', dist, src], cwd=tmp)
    except ImportError:
        _run([sys.executable, '-m', 'pip', 'wheel', '--no-deps', '--wheel-dir', dist, src], cwd=tmp)
    wheels = list(dist.glob(f'{LIB}-*.whl'))
    assert len(wheels) == 1, f'expected one wheel in {dist}, got {wheels}'
    # A venv without pip, filled by this pip (`--python`, pip >= 22.3): ensurepip and byte-compiling every
    # dependency would take most of the time, and the venv is as clean either way.
    venv.EnvBuilder(with_pip=False, clear=True).create(tmp/'venv')
    python = tmp/'venv'/'bin'/'python'
    _run([sys.executable, '-m', 'pip', '--python', python, 'install', '--quiet', '--no-compile', wheels[0]], cwd=tmp)
    yield python, tmp


def _in_venv(installed, code: str) -> str:
    "Run `code` with the venv's python, outside the repository (so that only the installed package can be found)."
    python, tmp = installed
    return _run([python, '-c', code], cwd=tmp).stdout


def test_wheel_imports_in_clean_venv(installed):
    out = _in_venv(installed, 'import ipyannotator, ipyannotator.base, ipyannotator.mltypes; print(ipyannotator.__file__)')
    assert str(installed[1]/'venv') in out, f'imported from the wrong place: {out}'


def test_wheel_version_matches_settings(installed):
    out = _in_venv(installed, 'import ipyannotator, importlib.metadata as m; print(ipyannotator.__version__, m.version("ipyannotator"))')
    assert out.split() == [_version(), _version()]


def test_wheel_holds_every_module(installed):
    site = Path(_in_venv(installed, 'import ipyannotator, os; print(os.path.dirname(ipyannotator.__file__))').strip())
    repo_modules, wheel_modules = set(_lib_files(REPO/LIB)), set(_lib_files(site))
    missing = sorted(repo_modules - wheel_modules)
    assert not missing, f'modules in the repository but not in the installed wheel: {missing}'
    assets = set(_lib_files(REPO/LIB/'assets', '*')) if (REPO/LIB/'assets').exists() else set()
    missing = sorted(assets - (set(_lib_files(site/'assets', '*')) if (site/'assets').exists() else set()))
    assert not missing, f'assets in the repository but not in the installed wheel: {missing}'


def test_every_module_imports_with_declared_dependencies(installed):
    "A module importing a package missing from `requirements` in settings.ini fails here, not on a user's machine."
    names = sorted(f'{LIB}.' + m[:-3].replace('/', '.') for m in _lib_files(REPO/LIB) if not m.endswith('__init__.py'))
    code = ('import importlib, traceback\nbad = []\n'
            f'for n in {names!r}:\n'
            '    try: importlib.import_module(n)\n'
            '    except Exception as e: bad.append(f"{n}: {type(e).__name__}: {e}")\n'
            'print("\\n".join(bad))')
    bad = _in_venv(installed, code).strip()
    assert not bad, f'modules that do not import in a clean venv with only the declared dependencies:\n{bad}'


def test_console_script_installed(installed):
    cfg = configparser.ConfigParser(delimiters=['='])
    cfg.read(REPO/'settings.ini', encoding='utf-8')
    for spec in cfg['DEFAULT'].get('console_scripts', '').split():
        name = spec.split('=')[0]
        assert (installed[0].parent/name).exists(), f'console script {name!r} not installed'


# ---------------------------------------------------------------------------------------------- nbdev

def _copy_project(dest: Path, with_lib: bool):
    "Copy settings.ini, nbs/ and (if `with_lib`) the package into `dest`."
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy2(REPO/'settings.ini', dest/'settings.ini')
    shutil.copytree(REPO/'nbs', dest/'nbs', ignore=_IGNORE)
    if with_lib: shutil.copytree(REPO/LIB, dest/LIB, ignore=_IGNORE)


def _is_generated(p: Path) -> bool:
    head = p.read_text(encoding='utf-8', errors='replace')[:2000]
    return '# AUTOGENERATED! DO NOT EDIT!' in head or head.startswith('# Autogenerated by nbdev')


def test_nbdev_export_leaves_no_diff(tmp_path):
    "Every committed module is exactly what its notebook exports, and no module is left from a removed notebook."
    _copy_project(tmp_path, with_lib=True)
    for p in (tmp_path/LIB).rglob('*.py'):
        if _is_generated(p): p.unlink()   # so that a module whose notebook is gone shows up as a difference
    _run([BIN/'nbdev_export'], cwd=tmp_path)
    report = _diff_report(_lib_files(REPO/LIB), _lib_files(tmp_path/LIB), 'nbdev_export')
    if report: pytest.fail('run nbdev_export and commit its output:\n' + report, pytrace=False)


def test_nbdev_clean_leaves_no_diff(tmp_path):
    "Notebooks are committed clean: no outputs, execution counts or stray metadata."
    _copy_project(tmp_path, with_lib=False)
    _run([BIN/'nbdev_clean'], cwd=tmp_path)
    report = _diff_report(_lib_files(REPO/'nbs', '*.ipynb'), _lib_files(tmp_path/'nbs', '*.ipynb'), 'nbdev_clean')
    if report: pytest.fail('run nbdev_clean and commit the notebooks:\n' + report, pytrace=False)
