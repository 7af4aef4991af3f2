"""leaderboard: compile checked, linked ML benchmark leaderboards from paper abstracts."""

__version__ = "0.1.0"
