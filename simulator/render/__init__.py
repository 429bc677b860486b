"""The screens: pygame windows that draw Snapshots and recorded traces (no model math here).

Every pixel is drawn in software onto the window surface. SDL's default for that surface is
an "accelerated" framebuffer that copies each frame through OpenGL; on a machine without a
GPU (Mesa's llvmpipe) that costs about 10 ms of wall time and 14 ms of CPU per update, taken
straight from the training thread. The plain X11 shared-memory path costs under 1 ms, so it
is the default here (set SDL_FRAMEBUFFER_ACCELERATION yourself to override).
"""
import os

os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
os.environ.setdefault("SDL_FRAMEBUFFER_ACCELERATION", "0")
