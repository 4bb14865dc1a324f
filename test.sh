#!/usr/bin/env bash
# Runs the whole LiveFeed test suite on a fresh Debian machine with the .NET SDK.
# Installs what the tests need and is missing (apt packages, npm packages), then runs
# every test project. Test results (TRX) land in TestResults/. Extra arguments go to
# `dotnet test` (e.g. --filter "FullyQualifiedName~Hub").
set -euo pipefail
cd "$(dirname "$0")"

# apt packages the tests start or run themselves (none are left running): redis-server; nginx for the
# load-balanced topology; docker-compose to validate docker-compose.yml (no Docker engine is needed).
apt_packages=(redis-server nginx docker-compose)
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
dotnet test LiveFeed.sln -c Release \
  --logger "trx;LogFilePrefix=results" --logger "console;verbosity=normal" \
  --results-directory TestResults "$@"
