"""obsgen: one metric catalog -> dashboards, rules, tests, load tests; validated and deployable."""
