"""Post-incident reviews, response metrics and the periodic report: pure Python over facts
loaded from the store, no Slack or database imports (charts.py alone draws with matplotlib)."""
