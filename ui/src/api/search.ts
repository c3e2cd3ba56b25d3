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

/** Whether the map can be searched by meaning (its space's model is one the server has). */
export const MeaningSearchStatusQuery = graphql(`
  query MeaningSearchStatus($project: String!, $projection: ID!) {
    meaningSearch(project: $project, projection: $projection) {
      model
      available
    }
  }
`);

/** The map's datapoints nearest in meaning to a text, nearest first. */
export const SearchByMeaningQuery = graphql(`
  query SearchByMeaning($project: String!, $projection: ID!, $text: String!, $first: Int!) {
    searchByMeaning(project: $project, projection: $projection, text: $text, first: $first) {
      model
      datapointIds
    }
  }
`);
