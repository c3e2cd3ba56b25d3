"""Label corrections over GraphQL (the review queue, issue 15): decide on datapoints'
labels, undo a decision, read the history. Merged into the root Query and Mutation
(``schema.py``); the mutations are editors' (``roles.py``), each recorded with who made it.
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from chroma.server.graphql import described, offload
from chroma.server.graphql.context import Info
from chroma.server.graphql.ids import parse_id, to_id
from chroma.server.graphql.roles import principal_or_local
from chroma.services import corrections as service


@strawberry.enum(description="What a person decided about a datapoint's label.")
class LabelDecision(Enum):
    RELABEL = "relabel"
    CONFIRM = "confirm"
    UNSURE = "unsure"


@strawberry.input(description="One decision: `label` is the new label of a RELABEL, else none.")
class LabelDecisionInput:
    datapoint_id: strawberry.ID
    decision: LabelDecision
    label: str | None = None


@strawberry.type(
    description="A decision on a datapoint's label, with the label before and after it."
)
class LabelCorrection:
    id: strawberry.ID
    datapoint_id: strawberry.ID
    key: str
    dataset: str
    decision: LabelDecision
    label_before: str | None
    label_after: str | None
    source: str | None = strawberry.field(description="Where it was decided (`mislabels`).")
    principal: str = strawberry.field(description="Who decided.")
    at: datetime
    undone_at: datetime | None
    undone_by: str | None = strawberry.field(
        description="Who undid it; `re-logged` when a batch logged another label since."
    )

    @classmethod
    def of(cls, record: service.CorrectionRecord) -> LabelCorrection:
        return cls(
            id=to_id(record.id),
            datapoint_id=to_id(record.datapoint_id),
            key=record.key,
            dataset=record.dataset,
            decision=LabelDecision(record.decision),
            label_before=record.label_before,
            label_after=record.label_after,
            source=record.source,
            principal=record.principal,
            at=record.at,
            undone_at=record.undone_at,
            undone_by=record.undone_by,
        )


def _decisions(given: list[LabelDecisionInput]) -> list[service.LabelDecision]:
    return [
        service.LabelDecision(
            datapoint_id=parse_id(item.datapoint_id, where=f"corrections[{i}].datapointId"),
            decision=service.Decision(item.decision.value),
            label=item.label,
        )
        for i, item in enumerate(given)
    ]


@strawberry.type
class CorrectionQueries:
    @described.field(
        "The project's label corrections, oldest first (`after`: a correction id, to page "
        "on); undone ones too with `includeUndone`."
    )
    async def label_corrections(
        self,
        info: Info,
        project: str,
        first: int = 100,
        after: strawberry.ID | None = None,
        include_undone: bool = False,
    ) -> list[LabelCorrection]:
        after_id = parse_id(after, where="after") if after is not None else None
        found = await offload.run(
            service.list_corrections,
            info.context.store,
            project,
            first=first,
            after=after_id,
            include_undone=include_undone,
        )
        return [LabelCorrection.of(record) for record in found]


@strawberry.type
class CorrectionMutations:
    @described.mutation(
        "Decide on datapoints' labels (all or none): RELABEL sets the new `label` (what "
        "analyses, maps and exports use from now on; the label before is kept), CONFIRM "
        "and UNSURE record a review without changing it. With `analysis` (a review of its "
        "ranking), refused while that analysis does not exist."
    )
    async def correct_labels(
        self,
        info: Info,
        project: str,
        corrections: list[LabelDecisionInput],
        source: str | None = None,
        analysis: strawberry.ID | None = None,
    ) -> list[LabelCorrection]:
        analysis_id = parse_id(analysis, where="analysis") if analysis is not None else None
        found = await offload.run(
            service.correct_labels,
            info.context.store,
            project,
            _decisions(corrections),
            by=principal_or_local(info.context),
            source=source,
            analysis_id=analysis_id,
        )
        return [LabelCorrection.of(record) for record in found]

    @described.mutation(
        "Undo a correction: a RELABEL gives the datapoint its label before back. Only a "
        "datapoint's latest correction, and only while its label is the one it left."
    )
    async def undo_label_correction(
        self, info: Info, project: str, id: strawberry.ID
    ) -> LabelCorrection:
        correction_id = parse_id(id, where="id")
        record = await offload.run(
            service.undo_correction,
            info.context.store,
            project,
            correction_id,
            by=principal_or_local(info.context),
        )
        return LabelCorrection.of(record)
