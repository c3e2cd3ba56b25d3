// Text search (issue 16): which datapoints of a project hold a piece of text.
import { graphql } from '../gql';

export const SearchQuery = graphql(`
  query Search($project: String!, $text: String!, $field: String, $projection: ID, $first: Int!) {
    search(project: $project, text: $text, field: $field, projection: $projection, first: $first) {
      count
      truncated
      datapointIds
    }
  }
`);
