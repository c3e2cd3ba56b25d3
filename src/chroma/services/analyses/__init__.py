"""Quality analyses of a space: one computed-result kind (``requests.py``), its params and
checks (``params.py``, ``checks.py``), its inputs and job (``inputs.py``, ``compute.py``)
and reading its results (``rows.py``); whether a result predates the data
(``freshness.py``). ADR 0008."""

from chroma.services.analyses import freshness
from chroma.services.analyses.requests import (
    ANALYSES,
    AnalysisRecord,
    analyses_of_spaces,
    delete_analysis,
    get_analysis,
    recompute_analysis,
    run_analysis,
)

__all__ = [
    "ANALYSES",
    "AnalysisRecord",
    "analyses_of_spaces",
    "delete_analysis",
    "freshness",
    "get_analysis",
    "recompute_analysis",
    "run_analysis",
]
