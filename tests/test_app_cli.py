"""The `ipyannotator` command: serving starts Voila, and stopping the command stops Voila with it."""
import socket, subprocess, sys, time
from pathlib import Path
from conftest import free_port, jupyter_env, wait_ready


def port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(('127.0.0.1', port)) == 0


def test_terminating_the_command_stops_voila(tmp_path):
    port = free_port()
    cmd = [str(Path(sys.executable).parent/'ipyannotator'), 'demo', '--path', str(tmp_path/'demo'), '--port', str(port)]
    proc = subprocess.Popen(cmd, env=jupyter_env(tmp_path/'jupyter'), cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_ready(f'http://127.0.0.1:{port}/voila/static/voila.js', proc)
        assert port_open(port)
        proc.terminate()
        proc.wait(20)
        deadline = time.time() + 15
        while port_open(port) and time.time() < deadline: time.sleep(0.2)
        assert not port_open(port), 'Voila kept serving after the ipyannotator command was terminated'
    finally:
        if proc.poll() is None: proc.kill()


def test_bad_project_is_refused_with_a_message(tmp_path):
    cmd = str(Path(sys.executable).parent/'ipyannotator')
    out = subprocess.run([cmd, 'serve', str(tmp_path), '--labels', 'cat,dog'], capture_output=True, text=True)
    assert out.returncode != 0
    assert 'no image folder' in out.stderr and str(tmp_path) in out.stderr
    out = subprocess.run([cmd, 'serve', str(tmp_path)], capture_output=True, text=True)
    assert out.returncode != 0 and 'no classes: pass --labels' in out.stderr


def test_a_user_task_that_is_not_registered_is_refused(tmp_path):
    (tmp_path/'mytasks.py').write_text("from ipyannotator.annotators.base import Task\nclass Rating(Task): name = 'rating'\n")
    out = subprocess.run([str(Path(sys.executable).parent/'ipyannotator'), 'serve', str(tmp_path), '--task', 'mytasks:Rating'],
                         capture_output=True, text=True, cwd=tmp_path)
    assert out.returncode != 0 and "task 'mytasks:Rating' is not registered: call register(" in out.stderr, out.stderr
