#!/usr/bin/env bash
# Tags a release of the action and moves its major tag, the versioning GitHub's toolkit documents
# for actions (https://github.com/actions/toolkit/blob/main/docs/action-versioning.md): users pin
# `@v1`, which follows the newest v1.x.y; `@v1.2.3` never moves.
#
#   bash scripts/release.sh 1.2.3           # checks, then tags v1.2.3 and moves v1 (local only)
#   bash scripts/release.sh 1.2.3 --push    # the same, then pushes both tags to origin
#
# Refuses unless: the work tree is clean, package.json's version is 1.2.3, CHANGELOG.md has a
# `## [1.2.3]` section, dist/ is exactly what `npm run bundle` builds from this commit, and the tag
# v1.2.3 does not exist yet (here or, with --push, on origin).
set -euo pipefail
cd "$(dirname "$0")/.."

fail() { echo "release: $*" >&2; exit 1; }

version=${1:-}
push=false
case "${2:-}" in
  '') ;;
  --push) push=true ;;
  *) fail "unknown option '$2' (expected --push)" ;;
esac
[[ "$version" =~ ^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$ ]] ||
  fail "usage: scripts/release.sh X.Y.Z [--push] (got '${version}')"
major="v${BASH_REMATCH[1]}"
tag="v${version}"

[ -z "$(git status --porcelain)" ] || fail 'the work tree has changes: commit or stash them first'
declared=$(node -p 'require("./package.json").version')
[ "$declared" = "$version" ] || fail "package.json says version ${declared}: set it to ${version} and commit first"
grep -q "^## \[${version//./\\.}\]" CHANGELOG.md || fail "CHANGELOG.md has no '## [${version}]' section"
if git rev-parse -q --verify "refs/tags/${tag}" >/dev/null; then fail "tag ${tag} already exists"; fi
if $push && [ -n "$(git ls-remote --tags origin "refs/tags/${tag}")" ]; then fail "tag ${tag} already exists on origin"; fi

echo "release: rebuilding dist/ to check it is fresh"
npm run --silent bundle >/dev/null
if [ -n "$(git status --porcelain -- dist)" ]; then
  git status --short -- dist >&2
  git checkout -q -- dist && git clean -qfd -- dist
  fail 'dist/ differs from a fresh build of src/: run `npm run bundle` and commit dist/ first'
fi

commit=$(git rev-parse HEAD)
git tag -a "$tag" -m "$tag" "$commit"
git tag -fa "$major" -m "$major (now $tag)" "$commit" >/dev/null
echo "release: tagged ${tag} and moved ${major} to ${commit}"
if $push; then
  git push origin "refs/tags/${tag}"
  git push --force origin "refs/tags/${major}"
  echo "release: pushed ${tag} and ${major}"
else
  echo "release: nothing pushed; to publish: git push origin ${tag} && git push --force origin ${major}"
fi
