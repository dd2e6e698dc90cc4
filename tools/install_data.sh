#!/usr/bin/env bash
# Make Fashion-MNIST available: Debian's package when apt can install it, else torchvision's
# download into ./data when the network allows, else a message saying how to get it.
set -u
PY=${1:-python3}
SYSTEM_DIR=/usr/share/datasets/fashion-mnist
# Whether the data are here is the loader's answer: it knows every folder and layout it accepts (a copy of its
# rules in shell missed uncompressed IDX files in $GAN_LIB_DATA, the layout the message below recommends), and
# it reads the files, so a truncated one does not pass. GAN_LIB_DOWNLOAD=0: asking must not download.
have_data() {
  GAN_LIB_DOWNLOAD=0 "$PY" -c "from gan_lib.data import load_fashion_mnist; load_fashion_mnist('train'); load_fashion_mnist('test')" 2>/dev/null
}

if have_data; then
  exit 0
fi
if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  if bash "$(dirname "$0")/apt_install.sh" dataset-fashion-mnist; then
    have_data && exit 0
  fi
fi
echo "Debian's dataset-fashion-mnist is not available; trying torchvision's download into ./data ..."
if "$PY" -c "from gan_lib.data import load_fashion_mnist as f; f('train', root='data', download=True); f('test', root='data', download=True)" 2>/dev/null; then
  echo "Fashion-MNIST downloaded to ./data (gan_lib looks there)."
  exit 0
fi
cat >&2 <<MSG
ERROR: Fashion-MNIST is not on this machine and could not be installed.
Fix one of:
  - Debian/Ubuntu: sudo apt-get install dataset-fashion-mnist   (files in $SYSTEM_DIR)
  - put the four IDX files (train/t10k images and labels) in a directory and set GAN_LIB_DATA=that/directory
  - allow a download: python -c "from gan_lib.data import load_fashion_mnist; load_fashion_mnist(root='data', download=True)"
MSG
exit 1
