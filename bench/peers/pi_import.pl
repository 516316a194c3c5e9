#!/usr/bin/perl
# Import an mbox read from stdin into a configured public-inbox v2 inbox.
#
#   PI_CONFIG=CONFIG perl pi_import.pl INBOX_NAME [mboxrd|mboxo|mboxcl|mboxcl2] < MBOX
#
# public-inbox 1.9 ships no mbox import command (public-inbox-mda takes one
# message per process; upstream's scripts/import_vger_from_mbox is not in the
# Debian package), so this calls the installed library's bulk path,
# PublicInbox::InboxWritable::import_mbox. For a v2 inbox that writes the git
# epoch and indexes it (over.sqlite3 + Xapian) in the same pass.
use strict;
use warnings;
use PublicInbox::Config;
use PublicInbox::InboxWritable;

my $name = shift or die "usage: $0 INBOX_NAME [VARIANT] < MBOX\n";
my $variant = shift // 'mboxrd';
my $inbox = PublicInbox::Config->new->lookup_name($name)
	or die "no inbox named $name in \$PI_CONFIG\n";
binmode STDIN;
PublicInbox::InboxWritable->new($inbox)->import_mbox(\*STDIN, $variant);
