"""2-D layouts of embedding vectors (PCA, UMAP, t-SNE) and placing new points into them.

Pure computation over numpy arrays: no file, network or database access. The kNN graph
a layout starts from is normally given by the caller (one per space, reused); when not,
it is computed through :mod:`chroma.compute.neighbours`.

Example:
    >>> from chroma.compute.projections import project, place
    >>> result = project("umap", vectors, {"n_neighbors": 15}, metric="cosine")
    >>> new = place("umap", result.model, new_vectors=more, reference_coords=result.coords,
    ...             neighbour_rows=rows, neighbour_distances=distances)
"""

from chroma.compute.progress import Progress

from .fitting import ProjectionResult, project
from .params import ALGORITHMS, validate_params
from .placement import place

__all__ = ["ALGORITHMS", "Progress", "ProjectionResult", "place", "project", "validate_params"]
