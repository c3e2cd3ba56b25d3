"""The catalog: projects, their datasets and spaces, by noun (find, list, create, rename,
delete).

Read functions that serve lists take an open session and many ids at once, so a caller
that shows a list (the GraphQL dataloaders) asks one query per kind of thing, never one
per row. They return plain frozen records, not ORM objects, so nothing lazy-loads after
the session closes. Use cases that write open their own transaction.
"""

from chroma.services.catalog._common import (
    MAX_NAME_LENGTH,
    MAX_SOURCE_LENGTH,
    check_lookup,
    check_name,
    check_space_source,
)
from chroma.services.catalog.datasets import (
    DatasetRecord,
    create_dataset,
    datapoint_counts,
    dataset_names,
    datasets_by_id,
    datasets_of_projects,
    delete_dataset,
    ensure_dataset,
    get_dataset,
    rename_dataset,
    resolve_datasets,
)
from chroma.services.catalog.projects import (
    ProjectRecord,
    create_project,
    delete_project,
    ensure_project,
    find_project,
    get_project,
    list_projects,
    projects_by_id,
    rename_project,
)
from chroma.services.catalog.revisions import bump_dataset, bump_project, stamp
from chroma.services.catalog.spaces import (
    SpaceRecord,
    check_dimension,
    delete_space,
    ensure_space,
    get_space,
    rename_space,
    spaces_by_id,
    spaces_of_projects,
    vector_counts,
)

__all__ = [
    "MAX_NAME_LENGTH",
    "MAX_SOURCE_LENGTH",
    "DatasetRecord",
    "ProjectRecord",
    "SpaceRecord",
    "bump_dataset",
    "bump_project",
    "check_dimension",
    "check_lookup",
    "check_name",
    "check_space_source",
    "create_dataset",
    "create_project",
    "datapoint_counts",
    "dataset_names",
    "datasets_by_id",
    "datasets_of_projects",
    "delete_dataset",
    "delete_project",
    "delete_space",
    "ensure_dataset",
    "ensure_project",
    "ensure_space",
    "find_project",
    "get_dataset",
    "get_project",
    "get_space",
    "list_projects",
    "projects_by_id",
    "rename_dataset",
    "rename_project",
    "rename_space",
    "resolve_datasets",
    "spaces_by_id",
    "spaces_of_projects",
    "stamp",
    "vector_counts",
]
