"""The Chroma SDK: log embeddings to a Chroma server from a training or eval loop.

It talks HTTP only (Arrow IPC for bulk data) and imports nothing of the server side.
See ``docs/sdk.md``.
"""

from chroma.sdk._analyses import Analysis, get_analysis
from chroma.sdk._capture import (
    ChromaAutologWarning,
    Watch,
    autolog,
    autolog_context,
    autolog_enabled,
    autolog_flush,
    watch,
)
from chroma.sdk._corrections import correct_labels
from chroma.sdk._errors import (
    ChromaConnectionError,
    ChromaError,
    ChromaJobCancelled,
    ChromaJobError,
    ChromaJobFailed,
    ChromaJobTimeout,
    Conflict,
    InvalidInput,
    NotFound,
    PayloadTooLarge,
    Unauthorized,
)
from chroma.sdk._export import Exported, export
from chroma.sdk._import import import_dataframe, import_file
from chroma.sdk._init import init
from chroma.sdk._io import FILE_FORMATS
from chroma.sdk._jobs import Job, cancel_job, get_job, wait_for_job
from chroma.sdk._nearest import nearest
from chroma.sdk._projections import Projection, create_projection, get_projection, projections
from chroma.sdk._read import Vectors, read_datapoints, read_vectors
from chroma.sdk._run import Run
from chroma.sdk._spool import resend_spool

__all__ = [
    "FILE_FORMATS",
    "Analysis",
    "ChromaAutologWarning",
    "ChromaConnectionError",
    "ChromaError",
    "ChromaJobCancelled",
    "ChromaJobError",
    "ChromaJobFailed",
    "ChromaJobTimeout",
    "Conflict",
    "Exported",
    "InvalidInput",
    "Job",
    "NotFound",
    "PayloadTooLarge",
    "Projection",
    "Run",
    "Unauthorized",
    "Vectors",
    "Watch",
    "autolog",
    "autolog_context",
    "autolog_enabled",
    "autolog_flush",
    "cancel_job",
    "correct_labels",
    "create_projection",
    "export",
    "get_analysis",
    "get_job",
    "get_projection",
    "import_dataframe",
    "import_file",
    "init",
    "nearest",
    "projections",
    "read_datapoints",
    "read_vectors",
    "resend_spool",
    "wait_for_job",
    "watch",
]
