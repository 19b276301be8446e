#!/usr/bin/env bash
# The Debian packages as an operator meets them: lintian finds no error in either; dpkg -i
# installs them (the switchyard user made, the units enabled and not started, the config a
# conffile that switchyardd --check-config accepts, the man pages, the Python client
# importable by Debian's python3); dpkg -r removes them and keeps the config; dpkg -P purges
# the rest. Needs root (exit 77, a skip, otherwise) and a machine where switchyard is not
# installed already: the test never touches an operator's own installation.
#   tests/package/package_test.sh BUILD_DIR VERSION
set -euo pipefail
build=$1
version=$2
deb=$build/switchyard_${version}_amd64.deb
py=$build/python3-switchyard_${version}_all.deb

if [ "$(id -u)" != 0 ]; then
  echo "SKIP: dpkg -i needs root"
  exit 77
fi
if dpkg-query -W -f='${Status}' switchyard python3-switchyard 2>/dev/null | grep -q installed; then
  echo "SKIP: switchyard is installed on this machine; not touching it"
  exit 77
fi
[ -f "$deb" ] && [ -f "$py" ] || { echo "FAIL: no packages in $build (cpack)"; exit 1; }

fail() { echo "FAIL: $*"; exit 1; }

echo "== lintian"
lintian --fail-on error "$deb" "$py" ||
  fail "lintian found errors"

installed=0
cleanup() {
  if [ "$installed" = 1 ]; then dpkg -P switchyard python3-switchyard >/dev/null 2>&1 || true; fi
}
trap cleanup EXIT

echo "== dpkg -i"
dpkg -i "$deb" "$py"
installed=1
for f in /usr/bin/switchyardd /usr/bin/switchyard /usr/lib/systemd/system/switchyard.service \
    /usr/lib/systemd/system/switchyard.socket /usr/lib/sysusers.d/switchyard.conf \
    /usr/share/man/man1/switchyardd.1.gz /usr/share/man/man1/switchyard.1.gz \
    /usr/share/doc/switchyard/copyright /usr/share/doc/python3-switchyard/copyright; do
  [ -e "$f" ] || fail "$f is not installed"
done
zcat /usr/share/man/man1/switchyardd.1.gz | grep -q '^\.TH SWITCHYARDD' ||
  fail "switchyardd's man page is not one"
zcat /usr/share/man/man1/switchyardd.1.gz | grep -q 'check\\-config' ||
  fail "switchyardd's man page lacks its options"
id switchyard >/dev/null || fail "no switchyard user"
# The unit's LoadCredential= files exist (a missing one would stop it from starting), root's.
[ "$(stat -c %a /etc/switchyard/credentials)" = 700 ] || fail "credentials folder not 0700"
for key in openai.key anthropic.key; do
  [ "$(stat -c %a:%U "/etc/switchyard/credentials/$key")" = 600:root ] || fail "$key not root's"
done
dpkg-query -W -f='${Conffiles}\n' switchyard | grep -q '/etc/switchyard/switchyard.toml' ||
  fail "the config is not a conffile"
/usr/bin/switchyardd --check-config || fail "the installed config does not check"
/usr/bin/switchyardd --check-config --config /etc/switchyard/switchyard.toml
/usr/bin/switchyard --version | grep -q "$version" || fail "switchyard --version"
/usr/bin/switchyardd --version | grep -q "$version" || fail "switchyardd --version"
where=$(cd / && /usr/bin/python3 -c 'import switchyard; print(switchyard.__file__)')
case "$where" in
  /usr/lib/python3/dist-packages/switchyard/*) ;;
  *) fail "python3 imports switchyard from $where" ;;
esac
# Enabled as deb-systemd-helper enables: the [Install] sections' symlinks.
[ -L /etc/systemd/system/multi-user.target.wants/switchyard.service ] ||
  fail "switchyard.service is not enabled"
[ -L /etc/systemd/system/sockets.target.wants/switchyard.socket ] ||
  fail "switchyard.socket is not enabled"
# Not started: no switchyardd runs from the installed binary (tests elsewhere run their own).
if pgrep -f '^/usr/bin/switchyardd' >/dev/null; then fail "the package started the daemon"; fi

echo "== dpkg -r"
dpkg -r switchyard python3-switchyard
[ ! -e /usr/bin/switchyardd ] || fail "switchyardd is still there after remove"
[ -f /etc/switchyard/switchyard.toml ] || fail "remove took the config"

echo "== dpkg -P"
dpkg -P switchyard python3-switchyard
installed=0
[ ! -e /etc/switchyard ] || fail "purge left /etc/switchyard: $(ls -R /etc/switchyard)"
[ ! -e /etc/systemd/system/multi-user.target.wants/switchyard.service ] &&
  [ ! -e /etc/systemd/system/sockets.target.wants/switchyard.socket ] ||
  fail "purge left the units enabled"
if dpkg-query -W -f='${Status}' switchyard 2>/dev/null | grep -q installed; then
  fail "switchyard is still installed"
fi
echo "PASS"
