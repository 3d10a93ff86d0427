"""Parses a Prometheus text exposition (stdin) with Prometheus' own Python
client, for tests/observability.rs, and prints its families as JSON:
{"name": {"type": ..., "help": ..., "samples": [{"name", "labels", "value"}]}}.
A malformed exposition fails here, as it would fail a Prometheus scrape."""

import json
import sys

from prometheus_client.parser import text_string_to_metric_families

families = {}
for family in text_string_to_metric_families(sys.stdin.read()):
    families[family.name] = {
        "type": family.type,
        "help": family.documentation,
        "samples": [
            {"name": s.name, "labels": s.labels, "value": s.value} for s in family.samples
        ],
    }
print(json.dumps(families))
