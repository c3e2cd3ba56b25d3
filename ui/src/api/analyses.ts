// GraphQL documents of the analysis form (projects/AnalysisForm.tsx) and the Explorer's
// analysis summaries (explorer/summary/).
import { graphql } from '../gql';

export const RunAnalysisWithParamsMutation = graphql(`
  mutation RunAnalysisWithParams(
    $project: String!
    $space: String!
    $kind: String!
    $datasets: [String!]
    $reference: [String!]
    $params: JSON
  ) {
    runAnalysis(
      project: $project
      space: $space
      kind: $kind
      datasets: $datasets
      reference: $reference
      params: $params
    ) {
      id
      state
      job {
        id
        state
      }
    }
  }
`);

/** Every analysis of a map's space with what it found as a whole. */
export const AnalysisSummariesQuery = graphql(`
  query AnalysisSummaries($projection: ID!) {
    projection(id: $projection) {
      id
      space {
        id
        analyses {
          id
          kind
          state
          params
          summary
          computedAt
          datasets {
            name
          }
          referenceDatasets {
            name
          }
        }
      }
    }
  }
`);
