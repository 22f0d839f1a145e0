"""School vote and public notice (学校民主评议与公示): rounds, ballots, ranking, notice, objections."""
