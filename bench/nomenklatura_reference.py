"""The reference matcher of the screening benchmark: OpenSanctions' nomenklatura scores the same
queries against the same candidate entries as our engine. Reads JSON lines on stdin,
{"id", "query": {...}, "candidates": [{...}]}, and writes {"id", "scores": [[entry_id, score], ...]}
lines on stdout. Offline: nomenklatura needs no network once installed."""

import json
import sys

from followthemoney import model
from nomenklatura.matching import get_algorithm
from nomenklatura.matching.types import ScoringConfig


def person(entity_id, names, aliases=(), weak_aliases=(), birth_dates=(), countries=(), gender=None):
    entity = model.make_entity("Person")
    entity.id = entity_id
    entity.add("name", names[:1])
    entity.add("alias", list(names[1:]) + list(aliases))
    entity.add("weakAlias", list(weak_aliases))
    entity.add("birthDate", list(birth_dates))
    entity.add("nationality", [c.lower() for c in countries])
    if gender:
        entity.add("gender", gender)
    return entity


def main():
    algorithm = get_algorithm(sys.argv[1] if len(sys.argv) > 1 else "logic-v1")
    if algorithm is None:
        sys.exit(f"unknown nomenklatura algorithm {sys.argv[1]}")
    config = ScoringConfig.defaults()
    for line in sys.stdin:
        request = json.loads(line)
        q = request["query"]
        query = person("query-" + request["id"], q["names"], birth_dates=q.get("birthDates", []), countries=q.get("countries", []))
        scores = []
        for c in request["candidates"]:
            candidate = person(c["id"], c["names"], weak_aliases=c["weakAliases"], birth_dates=c["birthDates"], countries=c["countries"], gender=c.get("gender"))
            scores.append([c["id"], algorithm.compare(query, candidate, config).score])
        sys.stdout.write(json.dumps({"id": request["id"], "scores": scores}) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
