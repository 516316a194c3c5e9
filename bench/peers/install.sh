#!/bin/sh
# Install the peer archivers from Debian's packages (needs root).
#
#   bench/peers/install.sh          # public-inbox, lei, notmuch, mhonarc, mu
#
# public-inbox pulls Search::Xapian, DBD::SQLite and git; lei is its
# command-line client (optional here); maildir-utils is mu (optional).
set -eu
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	public-inbox lei notmuch mhonarc maildir-utils
for tool in public-inbox-init public-inbox-index notmuch mhonarc lei mu; do
	printf '%-20s %s\n' "$tool" "$(command -v "$tool" || echo MISSING)"
done
