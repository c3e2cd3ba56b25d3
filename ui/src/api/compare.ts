// GraphQL of the compare page (two maps side by side): the project's ready maps and the
// comparisons between its spaces. Points come from GET /api/v1/points as in the Explorer.
import { graphql } from '../gql';

export const CompareContextQuery = graphql(`
  query CompareContext($project: String!) {
    project(name: $project) {
      id
      spaces {
        id
        name
        projections {
          id
          algorithm
          state
          pointCount
        }
        comparisons {
          id
          state
          params
          columns
          stale
        }
      }
    }
  }
`);
