// GraphQL documents of the Explorer. The map's points never come through GraphQL: they
// are one Arrow stream from GET /api/v1/points (see ../points/).
import { graphql } from '../gql';

export const ExplorerContextQuery = graphql(`
  query ExplorerContext($project: String!, $projection: ID!) {
    project(name: $project) {
      id
      name
      datasets {
        id
        name
      }
      tags {
        name
        datapointCount
      }
    }
    projection(id: $projection) {
      id
      algorithm
      state
      error
      pointCount
      placedCount
      computedAt
      space {
        id
        name
        dimension
        projections {
          id
          algorithm
          state
          pointCount
        }
        analyses {
          id
          kind
          state
          columns
          stale
          autoRefresh
        }
      }
    }
  }
`);

/** A sample of datapoints whose metadata keys tell which metadata columns exist. */
export const MetadataSampleQuery = graphql(`
  query MetadataSample($project: String!, $first: Int!) {
    datapoints(project: $project, first: $first) {
      nodes {
        id
        metadata
      }
    }
  }
`);

/**
 * How the server classifies these fields over the map's datapoints: an IDENTIFIER (values
 * nearly unique per row) gets a text filter instead of a list of values.
 */
export const FacetKindsQuery = graphql(`
  query FacetKinds($project: String!, $space: String!, $fields: [String!]!) {
    facets(project: $project, space: $space, fields: $fields, limit: 1) {
      field
      kind
      distinct
    }
  }
`);

export const DatapointQuery = graphql(`
  query Datapoint($project: String!, $id: ID!) {
    datapoint(project: $project, id: $id) {
      id
      key
      label
      prediction
      score
      metadata
      uri
      text
      hasImage
      createdAt
      dataset {
        name
      }
      tags
    }
  }
`);

export const NeighborsQuery = graphql(`
  query Neighbors($project: String!, $space: String!, $id: ID!, $k: Int!) {
    neighbors(project: $project, space: $space, datapointId: $id, k: $k) {
      distance
      datapoint {
        id
        key
        label
        prediction
        hasImage
        text
        dataset {
          name
        }
      }
    }
  }
`);

export const AddTagsMutation = graphql(`
  mutation AddTags($project: String!, $ids: [ID!]!, $tags: [String!]!) {
    addTags(project: $project, datapointIds: $ids, tags: $tags) {
      matched
      changed
    }
  }
`);

export const RemoveTagsMutation = graphql(`
  mutation RemoveTags($project: String!, $ids: [ID!]!, $tags: [String!]!) {
    removeTags(project: $project, datapointIds: $ids, tags: $tags) {
      matched
      changed
    }
  }
`);
