#!/usr/bin/env bash
# Vendor the JavaScript the HTML book needs, so that it renders with no request
# outside the site: MathJax 3, require.js and @jupyter-widgets/html-manager.
# Also axe-core, the accessibility checker the browser tests inject into each page
# (kept in _vendor/axe-core/, which _config.yml excludes from the built site).
#
# Packages come from the npm registry at pinned versions and are checked against
# pinned sha256 sums.  They land in _vendor/ (ignored by git, and deliberately NOT
# under _static/: Jupyter Book would then add every .js file to every page).
set -euo pipefail

DEST=${1:-_vendor}
STAMP="$DEST/.vendored"
# name@version  sha256 of the tarball `npm pack` returns
PACKAGES=(
  "mathjax@3.2.2 1b9c0a1c44df864e915690558e72adb9cc5203360daefd385084ced3b6c64c09"
  "@jupyter-widgets/html-manager@1.0.15 2b9d65cb7913e1c7d671757a10008b32c9c2448d4429513371e55c07d6107638"
  "requirejs@2.3.8 777158e89275e16bd51aec3ef714fbcb5dc45789e7078659933bc814916d7dec"
  "axe-core@4.14.1 e6b0ce02b84d892e2e33e403485e7f3d6c29e2be6df65daf44d89ba564139745"
)
WANT="$(printf '%s\n' "${PACKAGES[@]}")"

if [[ -f "$STAMP" && "$(cat "$STAMP")" == "$WANT" ]]; then
  exit 0  # already vendored at these versions
fi

if ! command -v npm >/dev/null 2>&1; then
  cat >&2 <<'MSG'
error: npm is needed once, to vendor MathJax, require.js, the widget manager and axe-core
       from the npm registry (the built book then works fully offline).
       Install Node.js and npm, for example:
         Debian/Ubuntu:  sudo apt-get install npm
         macOS:          brew install node
       or see https://nodejs.org/en/download, then run the command again.
MSG
  exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "vendoring web assets into $DEST/ (npm pack, pinned versions)"
for entry in "${PACKAGES[@]}"; do
  spec=${entry% *}
  if ! tarball=$(cd "$work" && npm pack --silent "$spec" 2>"$work/npm.err"); then
    cat "$work/npm.err" >&2
    echo "error: could not fetch $spec from the npm registry." >&2
    echo "       Check the network or the registry setting ('npm config get registry')," >&2
    echo "       then run the command again." >&2
    exit 1
  fi
  echo "${entry#* }  $work/$tarball" | sha256sum --check --quiet - \
    || { echo "error: $spec does not match its pinned sha256; refusing to use it" >&2; exit 1; }
  mkdir -p "$work/${tarball%.tgz}"
  tar -xzf "$work/$tarball" -C "$work/${tarball%.tgz}"
done

tmp="$DEST.tmp"
rm -rf "$tmp"
mkdir -p "$tmp/mathjax" "$tmp/widgets" "$tmp/requirejs" "$tmp/axe-core"
# MathJax: the combined component we load plus everything it may load lazily.
cp -r "$work"/mathjax-3.2.2/package/es5/. "$tmp/mathjax/"
# Drop the other prebuilt bundles (about 10 MB) and the SVG renderer we never load.
find "$tmp/mathjax" -maxdepth 1 -name '*.js' \
  ! -name tex-mml-chtml.js ! -name startup.js ! -name loader.js ! -name core.js -delete
rm -rf "$tmp/mathjax/output/svg" "$tmp/mathjax/output/svg.js"
# html-manager: the AMD embedder and the icon fonts it references by hash.
cp "$work"/jupyter-widgets-html-manager-1.0.15/package/dist/embed-amd.js "$tmp/widgets/"
cp "$work"/jupyter-widgets-html-manager-1.0.15/package/dist/*.{woff,woff2,ttf,eot,svg} "$tmp/widgets/"
cp "$work"/requirejs-2.3.8/package/require.js "$tmp/requirejs/"
# axe-core: only the minified checker and its licence (MPL-2.0); used by tests, not readers.
cp "$work"/axe-core-4.14.1/package/{axe.min.js,LICENSE} "$tmp/axe-core/"
echo "$WANT" > "$tmp/.vendored"
# Swap in atomically-ish: never leave a half-filled _vendor behind.
rm -rf "$DEST"
mv "$tmp" "$DEST"
echo "vendored: $(du -sh "$DEST" | cut -f1) in $DEST/"
