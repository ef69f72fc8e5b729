"""mhv.insights: what the user's own history says (durations, throughput, estimate accuracy, blockers)
and what it predicts for open tasks (duration, lead time, blocker risk, Monte Carlo forecasts, order)."""
