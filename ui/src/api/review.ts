// GraphQL documents of the Explorer's review queue (issue 15): label decisions and their undo.
import { graphql } from '../gql';

export const CorrectLabelsMutation = graphql(`
  mutation CorrectLabels(
    $project: String!
    $corrections: [LabelDecisionInput!]!
    $source: String
    $analysis: ID
  ) {
    correctLabels(
      project: $project
      corrections: $corrections
      source: $source
      analysis: $analysis
    ) {
      id
      datapointId
      key
      decision
      labelBefore
      labelAfter
      source
      principal
      at
    }
  }
`);

export const UndoLabelCorrectionMutation = graphql(`
  mutation UndoLabelCorrection($project: String!, $id: ID!) {
    undoLabelCorrection(project: $project, id: $id) {
      id
      datapointId
      decision
      labelBefore
      labelAfter
      undoneAt
      undoneBy
    }
  }
`);
