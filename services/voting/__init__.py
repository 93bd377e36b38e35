"""Voting: vote sessions, token categories, proposals, ballots, tallies (issue 5)."""
