"""docs/build.sh builds pages offline: one small notebook is run, processed and converted into a temporary folder."""
import os, re, subprocess, sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_build_docs_for_one_notebook(tmp_path):
    out = tmp_path/'site'
    env = {k: v for k, v in os.environ.items() if k not in ('IN_TEST', 'PYTHONPATH')}
    env.update(DOCS_OUT=str(out), PYTHON=sys.executable, TMPDIR=str(tmp_path))
    res = subprocess.run(['bash', str(REPO/'docs'/'build.sh'), 'nbs/00_base.ipynb'], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    assert sorted(p.name for p in out.iterdir()) == ['base.html', 'images', 'index.html']
    assert {p.name for p in (REPO/'nbs'/'images').iterdir()} <= {p.name for p in (out/'images').iterdir()}, 'the pictures pages show'
    page = (out/'base.html').read_text()
    assert '<title>Base</title>' in page
    assert re.search(r'<h3[^>]*>Settings', page), 'no show_doc section for Settings'
    assert 'default_exp' not in page and '#|' not in page, 'directives left on the page'
    assert 'test_eq' in page, 'the examples are missing'
    assert 'fastcore.test' not in page, 'a hidden cell is shown'
    assert '{target=' not in page, "quarto's link attributes left on the page"
    assert 'ipyannotator.github.io' not in page, 'links to the doc site were not made relative'
    assert 'href="base.html' in (out/'index.html').read_text(), 'index does not list the page'
    assert sorted(p.name for p in tmp_path.iterdir()) == ['site'], 'build.sh left temporary files behind'
