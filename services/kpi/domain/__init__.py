"""The KPI service's pure rules: the projection, indicators, periods, targets, suppression."""
