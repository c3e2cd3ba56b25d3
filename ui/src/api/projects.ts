// GraphQL documents of the projects screens. Typed by codegen (src/gql/), from the
// committed ../schema.graphql.
import { graphql } from '../gql';

export const ProjectsQuery = graphql(`
  query Projects {
    projects {
      id
      name
      createdAt
      datasets {
        id
        name
        datapointCount
      }
      spaces {
        id
        name
        vectorCount
        projections {
          id
          state
        }
      }
      tags {
        name
      }
    }
  }
`);

/**
 * What every computed result (a map, an analysis: the schema's `Computed`) shows in the
 * project's tables (projects/ComputedTable.tsx).
 */
export const ComputedFieldsFragment = graphql(`
  fragment ComputedFields on Computed {
    id
    state
    error
    computedAt
    job {
      id
      state
      progress
      message
    }
  }
`);

export const ProjectQuery = graphql(`
  query Project($name: String!) {
    project(name: $name) {
      id
      name
      createdAt
      datasets {
        id
        name
        datapointCount
        createdAt
      }
      tags {
        name
        datapointCount
      }
      spaces {
        id
        name
        dimension
        model
        layer
        vectorCount
        neighbourIndex {
          metric
          indexedCount
          graphK
          updatedAt
        }
        projections {
          ...ComputedFields
          algorithm
          pointCount
          placedCount
          autoPlace
          createdAt
          datasets {
            name
          }
        }
        analyses {
          ...ComputedFields
          kind
          rowCount
          columns
          stale
          autoRefresh
        }
      }
    }
  }
`);

export const JobsQuery = graphql(`
  query Jobs($project: String!, $first: Int!) {
    jobs(project: $project, first: $first) {
      id
      kind
      state
      progress
      message
      error
      createdAt
      startedAt
      finishedAt
      space {
        name
      }
    }
  }
`);

export const CreateProjectionMutation = graphql(`
  mutation CreateProjection($project: String!, $space: String!, $algorithm: String!) {
    createProjection(project: $project, space: $space, algorithm: $algorithm) {
      id
      state
      job {
        id
        state
      }
    }
  }
`);

export const SetAnalysisAutoRefreshMutation = graphql(`
  mutation SetAnalysisAutoRefresh($id: ID!, $on: Boolean!) {
    setAnalysisAutoRefresh(id: $id, on: $on) {
      id
      autoRefresh
      stale
    }
  }
`);

export const BuildNeighbourIndexMutation = graphql(`
  mutation BuildNeighbourIndex($project: String!, $space: String!) {
    buildNeighbourIndex(project: $project, space: $space) {
      id
      state
    }
  }
`);

export const CancelJobMutation = graphql(`
  mutation CancelJob($id: ID!) {
    cancelJob(id: $id) {
      id
      state
      cancelRequested
    }
  }
`);
