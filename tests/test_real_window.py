"""One real window: the app under an X server (Xvfb), not SDL's dummy driver.

`make test` installs Xvfb when it is missing (tests/ensure_xvfb.sh); where it cannot be
installed this test is skipped with that reason."""
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def xserver():
    xvfb = shutil.which("Xvfb")
    if xvfb is None:
        pytest.skip("Xvfb is not installed (tests/ensure_xvfb.sh installs it with apt-get when run as root)")
    for number in range(99, 120):
        if not Path(f"/tmp/.X{number}-lock").exists():
            break
    display = f":{number}"
    proc = subprocess.Popen([xvfb, display, "-screen", "0", "1600x1000x24", "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    socket = Path(f"/tmp/.X11-unix/X{number}")
    end = time.time() + 10
    while not socket.exists() and time.time() < end and proc.poll() is None:
        time.sleep(0.05)
    if not socket.exists():
        proc.kill()
        pytest.fail(f"Xvfb did not start on {display}")
    yield display
    proc.terminate()
    proc.wait(10)


def test_app_opens_a_real_window_and_trains(xserver, mnist_dir, tmp_path):
    shot = tmp_path / "window.png"
    env = {k: v for k, v in os.environ.items() if k != "SDL_VIDEODRIVER"}
    env.update(DISPLAY=xserver, SDL_VIDEODRIVER="x11", SDL_AUDIODRIVER="dummy")
    proc = subprocess.run([sys.executable, "main.py", "--data", str(mnist_dir), "--subset", "2000",
                           "--max-frames", "240", "--screenshot", str(shot)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr
    summary = re.search(r"app: (\d+) frames .* mean ([\d.]+) FPS; ([\d,]+) training steps", proc.stdout)
    assert summary, proc.stdout
    assert int(summary[1]) == 240 and int(summary[3].replace(",", "")) > 0
    assert shot.is_file() and shot.stat().st_size > 10_000
