#!/usr/bin/env bash
# Installs Xvfb for the one real-window test when it is missing and we may install packages.
# Never fails the suite: the test itself skips with a reason when Xvfb is still absent.
command -v Xvfb >/dev/null 2>&1 && exit 0
if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
  echo "installing xvfb for the real-window test..."
  (apt-get install -y -qq xvfb >/dev/null 2>&1 || { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq xvfb >/dev/null 2>&1; }) \
    || echo "could not install xvfb; the real-window test will be skipped"
fi
exit 0
