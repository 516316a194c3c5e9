#!/usr/bin/perl
# public-inbox searches the way its web search runs them: d: ranges through
# query_approxidate, then the Xapian query ranked by relevance, the first
# LIMIT hits read from over.sqlite3.
#
#   PI_CONFIG=CONFIG perl pi_search.pl INBOX_NAME LIMIT QUERY
#       one search (a whole process): the estimated number of matches, then
#       one JSON line per hit
#   PI_CONFIG=CONFIG perl pi_search.pl --count INBOX_NAME LIMIT QUERY
#       the exact number of matches (Xapian's estimate with LIMIT is rounded)
#   PI_CONFIG=CONFIG perl pi_search.pl --repeat=N INBOX_NAME LIMIT QUERY...
#       in-process: each query once untimed, then N times timed; prints one
#       line per timed run: seconds
use strict;
use warnings;
use PublicInbox::Config;
use JSON::PP ();
use Time::HiRes qw(clock_gettime CLOCK_MONOTONIC);

my ($repeat, $count) = (0, 0);
if (@ARGV && $ARGV[0] =~ /\A--repeat=([0-9]+)\z/) {
	$repeat = $1;
	shift @ARGV;
} elsif (@ARGV && $ARGV[0] eq '--count') {
	$count = 1;
	shift @ARGV;
}
my ($name, $limit, @queries) = @ARGV;
@queries or die "usage: $0 [--repeat=N] INBOX_NAME LIMIT QUERY...\n";
my $ibx = PublicInbox::Config->new->lookup_name($name)
	or die "no inbox named $name in \$PI_CONFIG\n";
my $srch = $ibx->isrch or die "inbox $name has no search index\n";

sub run_query {
	my ($query) = @_;
	$srch->query_approxidate($ibx->git, $query);
	my $mset = $srch->mset($query, { relevance => 1, limit => $limit });
	$srch->mset_to_smsg($ibx, $mset);
}

binmode STDOUT;
if ($count) { # every match, unranked (docid order)
	my $query = $queries[0];
	$srch->query_approxidate($ibx->git, $query);
	print $srch->mset($query, { relevance => -1, limit => 2**31 - 1 })->size, "\n";
	exit 0;
}
if (!$repeat) {
	my ($total, $msgs) = run_query($queries[0]);
	my $json = JSON::PP->new->canonical->utf8;
	print "$total\n";
	for my $smsg (@$msgs) {
		print $json->encode({ mid => $smsg->{mid},
			subject => $smsg->{subject}, from => $smsg->{from},
			date => $smsg->{ds} }), "\n";
	}
	exit 0;
}
for my $query (@queries) {
	run_query($query);
	for (1..$repeat) {
		my $t0 = clock_gettime(CLOCK_MONOTONIC);
		run_query($query);
		printf "%.6f\n", clock_gettime(CLOCK_MONOTONIC) - $t0;
	}
}
