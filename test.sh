#!/usr/bin/env bash
# Runs the whole LiveFeed test suite on a fresh Debian machine with the .NET SDK.
# Installs what the tests need and is missing (apt packages, npm packages), then runs
# every test project and the browser pages' unit tests (node's test runner). Test results land
# in TestResults/ (TRX, and node-tests.tap). Extra arguments go to `dotnet test`
# (e.g. --filter "FullyQualifiedName~Hub"). The server's build runs `npm ci` and the pages' build.
set -euo pipefail
cd "$(dirname "$0")"

# apt packages the tests start or run themselves (none are left running): redis-server; Chromium
# for the browser tests (driven by Microsoft.Playwright, never a downloaded browser) and a font for
# it; nginx for the load-balanced topology; docker-compose to validate docker-compose.yml (no Docker
# engine is needed); curl and python3-feedparser, which read the streams and the feed documents as
# other people's clients do; iproute2's ss, which shows the server's listening socket as the kernel holds it.
apt_packages=(redis-server chromium fonts-dejavu-core nginx docker-compose curl python3-feedparser iproute2)
missing=()
for package in "${apt_packages[@]}"; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing ${missing[*]} ..."
  sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

rm -rf TestResults
mkdir -p TestResults

# The pages' feed logic and formatting: node's test runner, readable output here, TAP for .ci/run.
node_status=0
(cd clients/web && node --test \
  --test-reporter=spec --test-reporter-destination=stdout \
  --test-reporter=tap --test-reporter-destination=../../TestResults/node-tests.tap) || node_status=$?

dotnet_status=0
dotnet test LiveFeed.sln -c Release \
  --logger "trx;LogFilePrefix=results" --logger "console;verbosity=normal" \
  --results-directory TestResults "$@" || dotnet_status=$?

[ "$node_status" -ne 0 ] && exit "$node_status"
exit "$dotnet_status"
