#!/usr/bin/env bash
# Installs what building and testing kehu needs beyond Rust, gcc, Python and Node: the system
# libraries of SQLCipher and WebKitGTK, an X server and WebDriver for the end-to-end tests, a CJK
# font (without one, Chinese renders as boxes), tauri-driver, and the UI's npm packages.
# Idempotent: installs only what is missing; needs root (or sudo) only when something is.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  libssl-dev pkg-config build-essential          # bundled SQLCipher links the system libcrypto
  libwebkit2gtk-4.1-dev librsvg2-dev             # the Tauri desktop shell
  xvfb xauth webkit2gtk-driver xclip dbus        # end-to-end tests: X server, WebDriver, clipboard, session bus
  python3-dbus python3-gi                        # end-to-end tests: a desktop notification service
  age                                            # backup tests: the reference age tool opens our backups
  fonts-wqy-microhei imagemagick                 # Chinese text in the window and its screenshots
  dpkg-dev fakeroot file                         # make deb
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
  echo "install-deps: installing ${missing[*]}"
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "install-deps: need root to install ${missing[*]}" >&2; exit 1; }
    sudo="sudo"
  fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

for component in rustfmt clippy; do
  if ! cargo "${component/rustfmt/fmt}" --version >/dev/null 2>&1; then
    rustup component add "$component"
  fi
done

if ! command -v tauri-driver >/dev/null 2>&1; then
  cargo install tauri-driver --version '^2' --locked
fi

# The UI's packages, exactly as locked; reinstalled only when the lock file changed.
if [ ! -f ui/node_modules/.package-lock.json ] || [ ui/package-lock.json -nt ui/node_modules/.package-lock.json ]; then
  (cd ui && npm ci --no-audit --no-fund)
fi
