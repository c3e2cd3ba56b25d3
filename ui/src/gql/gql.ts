/* eslint-disable */
import * as types from './graphql';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  mutation RunAnalysisWithParams(\n    $project: String!\n    $space: String!\n    $kind: String!\n    $datasets: [String!]\n    $reference: [String!]\n    $params: JSON\n  ) {\n    runAnalysis(\n      project: $project\n      space: $space\n      kind: $kind\n      datasets: $datasets\n      reference: $reference\n      params: $params\n    ) {\n      id\n      state\n      job {\n        id\n        state\n      }\n    }\n  }\n": typeof types.RunAnalysisWithParamsDocument,
    "\n  query AnalysisSummaries($projection: ID!) {\n    projection(id: $projection) {\n      id\n      space {\n        id\n        analyses {\n          id\n          kind\n          state\n          params\n          summary\n          computedAt\n          datasets {\n            name\n          }\n          referenceDatasets {\n            name\n          }\n        }\n      }\n    }\n  }\n": typeof types.AnalysisSummariesDocument,
    "\n  query ExplorerContext($project: String!, $projection: ID!) {\n    project(name: $project) {\n      id\n      name\n      datasets {\n        id\n        name\n      }\n      tags {\n        name\n        datapointCount\n      }\n    }\n    projection(id: $projection) {\n      id\n      algorithm\n      state\n      error\n      pointCount\n      placedCount\n      computedAt\n      space {\n        id\n        name\n        dimension\n        projections {\n          id\n          algorithm\n          state\n          pointCount\n        }\n        analyses {\n          id\n          kind\n          state\n          columns\n          stale\n          autoRefresh\n        }\n      }\n    }\n  }\n": typeof types.ExplorerContextDocument,
    "\n  query MetadataSample($project: String!, $first: Int!) {\n    datapoints(project: $project, first: $first) {\n      nodes {\n        id\n        metadata\n      }\n    }\n  }\n": typeof types.MetadataSampleDocument,
    "\n  query Datapoint($project: String!, $id: ID!) {\n    datapoint(project: $project, id: $id) {\n      id\n      key\n      label\n      prediction\n      score\n      metadata\n      uri\n      text\n      hasImage\n      createdAt\n      dataset {\n        name\n      }\n      tags\n    }\n  }\n": typeof types.DatapointDocument,
    "\n  query Neighbors($project: String!, $space: String!, $id: ID!, $k: Int!) {\n    neighbors(project: $project, space: $space, datapointId: $id, k: $k) {\n      distance\n      datapoint {\n        id\n        key\n        label\n        prediction\n        hasImage\n        text\n        dataset {\n          name\n        }\n      }\n    }\n  }\n": typeof types.NeighborsDocument,
    "\n  mutation AddTags($project: String!, $ids: [ID!]!, $tags: [String!]!) {\n    addTags(project: $project, datapointIds: $ids, tags: $tags) {\n      matched\n      changed\n    }\n  }\n": typeof types.AddTagsDocument,
    "\n  mutation RemoveTags($project: String!, $ids: [ID!]!, $tags: [String!]!) {\n    removeTags(project: $project, datapointIds: $ids, tags: $tags) {\n      matched\n      changed\n    }\n  }\n": typeof types.RemoveTagsDocument,
    "\n  query Projects {\n    projects {\n      id\n      name\n      createdAt\n      datasets {\n        id\n        name\n        datapointCount\n      }\n      spaces {\n        id\n        name\n        vectorCount\n        projections {\n          id\n          state\n        }\n      }\n      tags {\n        name\n      }\n    }\n  }\n": typeof types.ProjectsDocument,
    "\n  fragment ComputedFields on Computed {\n    id\n    state\n    error\n    computedAt\n    job {\n      id\n      state\n      progress\n      message\n    }\n  }\n": typeof types.ComputedFieldsFragmentDoc,
    "\n  query Project($name: String!) {\n    project(name: $name) {\n      id\n      name\n      createdAt\n      datasets {\n        id\n        name\n        datapointCount\n        createdAt\n      }\n      tags {\n        name\n        datapointCount\n      }\n      spaces {\n        id\n        name\n        dimension\n        model\n        layer\n        vectorCount\n        neighbourIndex {\n          metric\n          indexedCount\n          graphK\n          updatedAt\n        }\n        projections {\n          ...ComputedFields\n          algorithm\n          pointCount\n          placedCount\n          autoPlace\n          createdAt\n          datasets {\n            name\n          }\n        }\n        analyses {\n          ...ComputedFields\n          kind\n          rowCount\n          columns\n          stale\n          autoRefresh\n        }\n      }\n    }\n  }\n": typeof types.ProjectDocument,
    "\n  query Jobs($project: String!, $first: Int!) {\n    jobs(project: $project, first: $first) {\n      id\n      kind\n      state\n      progress\n      message\n      error\n      createdAt\n      startedAt\n      finishedAt\n      space {\n        name\n      }\n    }\n  }\n": typeof types.JobsDocument,
    "\n  mutation CreateProjection($project: String!, $space: String!, $algorithm: String!) {\n    createProjection(project: $project, space: $space, algorithm: $algorithm) {\n      id\n      state\n      job {\n        id\n        state\n      }\n    }\n  }\n": typeof types.CreateProjectionDocument,
    "\n  mutation SetAnalysisAutoRefresh($id: ID!, $on: Boolean!) {\n    setAnalysisAutoRefresh(id: $id, on: $on) {\n      id\n      autoRefresh\n      stale\n    }\n  }\n": typeof types.SetAnalysisAutoRefreshDocument,
    "\n  mutation BuildNeighbourIndex($project: String!, $space: String!) {\n    buildNeighbourIndex(project: $project, space: $space) {\n      id\n      state\n    }\n  }\n": typeof types.BuildNeighbourIndexDocument,
    "\n  mutation CancelJob($id: ID!) {\n    cancelJob(id: $id) {\n      id\n      state\n      cancelRequested\n    }\n  }\n": typeof types.CancelJobDocument,
    "\n  mutation CorrectLabels(\n    $project: String!\n    $corrections: [LabelDecisionInput!]!\n    $source: String\n    $analysis: ID\n  ) {\n    correctLabels(\n      project: $project\n      corrections: $corrections\n      source: $source\n      analysis: $analysis\n    ) {\n      id\n      datapointId\n      key\n      decision\n      labelBefore\n      labelAfter\n      source\n      principal\n      at\n    }\n  }\n": typeof types.CorrectLabelsDocument,
    "\n  mutation UndoLabelCorrection($project: String!, $id: ID!) {\n    undoLabelCorrection(project: $project, id: $id) {\n      id\n      datapointId\n      decision\n      labelBefore\n      labelAfter\n      undoneAt\n      undoneBy\n    }\n  }\n": typeof types.UndoLabelCorrectionDocument,
    "\n  query Search($project: String!, $text: String!, $field: String, $projection: ID, $first: Int!) {\n    search(project: $project, text: $text, field: $field, projection: $projection, first: $first) {\n      count\n      truncated\n      datapointIds\n    }\n  }\n": typeof types.SearchDocument,
};
const documents: Documents = {
    "\n  mutation RunAnalysisWithParams(\n    $project: String!\n    $space: String!\n    $kind: String!\n    $datasets: [String!]\n    $reference: [String!]\n    $params: JSON\n  ) {\n    runAnalysis(\n      project: $project\n      space: $space\n      kind: $kind\n      datasets: $datasets\n      reference: $reference\n      params: $params\n    ) {\n      id\n      state\n      job {\n        id\n        state\n      }\n    }\n  }\n": types.RunAnalysisWithParamsDocument,
    "\n  query AnalysisSummaries($projection: ID!) {\n    projection(id: $projection) {\n      id\n      space {\n        id\n        analyses {\n          id\n          kind\n          state\n          params\n          summary\n          computedAt\n          datasets {\n            name\n          }\n          referenceDatasets {\n            name\n          }\n        }\n      }\n    }\n  }\n": types.AnalysisSummariesDocument,
    "\n  query ExplorerContext($project: String!, $projection: ID!) {\n    project(name: $project) {\n      id\n      name\n      datasets {\n        id\n        name\n      }\n      tags {\n        name\n        datapointCount\n      }\n    }\n    projection(id: $projection) {\n      id\n      algorithm\n      state\n      error\n      pointCount\n      placedCount\n      computedAt\n      space {\n        id\n        name\n        dimension\n        projections {\n          id\n          algorithm\n          state\n          pointCount\n        }\n        analyses {\n          id\n          kind\n          state\n          columns\n          stale\n          autoRefresh\n        }\n      }\n    }\n  }\n": types.ExplorerContextDocument,
    "\n  query MetadataSample($project: String!, $first: Int!) {\n    datapoints(project: $project, first: $first) {\n      nodes {\n        id\n        metadata\n      }\n    }\n  }\n": types.MetadataSampleDocument,
    "\n  query Datapoint($project: String!, $id: ID!) {\n    datapoint(project: $project, id: $id) {\n      id\n      key\n      label\n      prediction\n      score\n      metadata\n      uri\n      text\n      hasImage\n      createdAt\n      dataset {\n        name\n      }\n      tags\n    }\n  }\n": types.DatapointDocument,
    "\n  query Neighbors($project: String!, $space: String!, $id: ID!, $k: Int!) {\n    neighbors(project: $project, space: $space, datapointId: $id, k: $k) {\n      distance\n      datapoint {\n        id\n        key\n        label\n        prediction\n        hasImage\n        text\n        dataset {\n          name\n        }\n      }\n    }\n  }\n": types.NeighborsDocument,
    "\n  mutation AddTags($project: String!, $ids: [ID!]!, $tags: [String!]!) {\n    addTags(project: $project, datapointIds: $ids, tags: $tags) {\n      matched\n      changed\n    }\n  }\n": types.AddTagsDocument,
    "\n  mutation RemoveTags($project: String!, $ids: [ID!]!, $tags: [String!]!) {\n    removeTags(project: $project, datapointIds: $ids, tags: $tags) {\n      matched\n      changed\n    }\n  }\n": types.RemoveTagsDocument,
    "\n  query Projects {\n    projects {\n      id\n      name\n      createdAt\n      datasets {\n        id\n        name\n        datapointCount\n      }\n      spaces {\n        id\n        name\n        vectorCount\n        projections {\n          id\n          state\n        }\n      }\n      tags {\n        name\n      }\n    }\n  }\n": types.ProjectsDocument,
    "\n  fragment ComputedFields on Computed {\n    id\n    state\n    error\n    computedAt\n    job {\n      id\n      state\n      progress\n      message\n    }\n  }\n": types.ComputedFieldsFragmentDoc,
    "\n  query Project($name: String!) {\n    project(name: $name) {\n      id\n      name\n      createdAt\n      datasets {\n        id\n        name\n        datapointCount\n        createdAt\n      }\n      tags {\n        name\n        datapointCount\n      }\n      spaces {\n        id\n        name\n        dimension\n        model\n        layer\n        vectorCount\n        neighbourIndex {\n          metric\n          indexedCount\n          graphK\n          updatedAt\n        }\n        projections {\n          ...ComputedFields\n          algorithm\n          pointCount\n          placedCount\n          autoPlace\n          createdAt\n          datasets {\n            name\n          }\n        }\n        analyses {\n          ...ComputedFields\n          kind\n          rowCount\n          columns\n          stale\n          autoRefresh\n        }\n      }\n    }\n  }\n": types.ProjectDocument,
    "\n  query Jobs($project: String!, $first: Int!) {\n    jobs(project: $project, first: $first) {\n      id\n      kind\n      state\n      progress\n      message\n      error\n      createdAt\n      startedAt\n      finishedAt\n      space {\n        name\n      }\n    }\n  }\n": types.JobsDocument,
    "\n  mutation CreateProjection($project: String!, $space: String!, $algorithm: String!) {\n    createProjection(project: $project, space: $space, algorithm: $algorithm) {\n      id\n      state\n      job {\n        id\n        state\n      }\n    }\n  }\n": types.CreateProjectionDocument,
    "\n  mutation SetAnalysisAutoRefresh($id: ID!, $on: Boolean!) {\n    setAnalysisAutoRefresh(id: $id, on: $on) {\n      id\n      autoRefresh\n      stale\n    }\n  }\n": types.SetAnalysisAutoRefreshDocument,
    "\n  mutation BuildNeighbourIndex($project: String!, $space: String!) {\n    buildNeighbourIndex(project: $project, space: $space) {\n      id\n      state\n    }\n  }\n": types.BuildNeighbourIndexDocument,
    "\n  mutation CancelJob($id: ID!) {\n    cancelJob(id: $id) {\n      id\n      state\n      cancelRequested\n    }\n  }\n": types.CancelJobDocument,
    "\n  mutation CorrectLabels(\n    $project: String!\n    $corrections: [LabelDecisionInput!]!\n    $source: String\n    $analysis: ID\n  ) {\n    correctLabels(\n      project: $project\n      corrections: $corrections\n      source: $source\n      analysis: $analysis\n    ) {\n      id\n      datapointId\n      key\n      decision\n      labelBefore\n      labelAfter\n      source\n      principal\n      at\n    }\n  }\n": types.CorrectLabelsDocument,
    "\n  mutation UndoLabelCorrection($project: String!, $id: ID!) {\n    undoLabelCorrection(project: $project, id: $id) {\n      id\n      datapointId\n      decision\n      labelBefore\n      labelAfter\n      undoneAt\n      undoneBy\n    }\n  }\n": types.UndoLabelCorrectionDocument,
    "\n  query Search($project: String!, $text: String!, $field: String, $projection: ID, $first: Int!) {\n    search(project: $project, text: $text, field: $field, projection: $projection, first: $first) {\n      count\n      truncated\n      datapointIds\n    }\n  }\n": types.SearchDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RunAnalysisWithParams(\n    $project: String!\n    $space: String!\n    $kind: String!\n    $datasets: [String!]\n    $reference: [String!]\n    $params: JSON\n  ) {\n    runAnalysis(\n      project: $project\n      space: $space\n      kind: $kind\n      datasets: $datasets\n      reference: $reference\n      params: $params\n    ) {\n      id\n      state\n      job {\n        id\n        state\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation RunAnalysisWithParams(\n    $project: String!\n    $space: String!\n    $kind: String!\n    $datasets: [String!]\n    $reference: [String!]\n    $params: JSON\n  ) {\n    runAnalysis(\n      project: $project\n      space: $space\n      kind: $kind\n      datasets: $datasets\n      reference: $reference\n      params: $params\n    ) {\n      id\n      state\n      job {\n        id\n        state\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query AnalysisSummaries($projection: ID!) {\n    projection(id: $projection) {\n      id\n      space {\n        id\n        analyses {\n          id\n          kind\n          state\n          params\n          summary\n          computedAt\n          datasets {\n            name\n          }\n          referenceDatasets {\n            name\n          }\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query AnalysisSummaries($projection: ID!) {\n    projection(id: $projection) {\n      id\n      space {\n        id\n        analyses {\n          id\n          kind\n          state\n          params\n          summary\n          computedAt\n          datasets {\n            name\n          }\n          referenceDatasets {\n            name\n          }\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ExplorerContext($project: String!, $projection: ID!) {\n    project(name: $project) {\n      id\n      name\n      datasets {\n        id\n        name\n      }\n      tags {\n        name\n        datapointCount\n      }\n    }\n    projection(id: $projection) {\n      id\n      algorithm\n      state\n      error\n      pointCount\n      placedCount\n      computedAt\n      space {\n        id\n        name\n        dimension\n        projections {\n          id\n          algorithm\n          state\n          pointCount\n        }\n        analyses {\n          id\n          kind\n          state\n          columns\n          stale\n          autoRefresh\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query ExplorerContext($project: String!, $projection: ID!) {\n    project(name: $project) {\n      id\n      name\n      datasets {\n        id\n        name\n      }\n      tags {\n        name\n        datapointCount\n      }\n    }\n    projection(id: $projection) {\n      id\n      algorithm\n      state\n      error\n      pointCount\n      placedCount\n      computedAt\n      space {\n        id\n        name\n        dimension\n        projections {\n          id\n          algorithm\n          state\n          pointCount\n        }\n        analyses {\n          id\n          kind\n          state\n          columns\n          stale\n          autoRefresh\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query MetadataSample($project: String!, $first: Int!) {\n    datapoints(project: $project, first: $first) {\n      nodes {\n        id\n        metadata\n      }\n    }\n  }\n"): (typeof documents)["\n  query MetadataSample($project: String!, $first: Int!) {\n    datapoints(project: $project, first: $first) {\n      nodes {\n        id\n        metadata\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Datapoint($project: String!, $id: ID!) {\n    datapoint(project: $project, id: $id) {\n      id\n      key\n      label\n      prediction\n      score\n      metadata\n      uri\n      text\n      hasImage\n      createdAt\n      dataset {\n        name\n      }\n      tags\n    }\n  }\n"): (typeof documents)["\n  query Datapoint($project: String!, $id: ID!) {\n    datapoint(project: $project, id: $id) {\n      id\n      key\n      label\n      prediction\n      score\n      metadata\n      uri\n      text\n      hasImage\n      createdAt\n      dataset {\n        name\n      }\n      tags\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Neighbors($project: String!, $space: String!, $id: ID!, $k: Int!) {\n    neighbors(project: $project, space: $space, datapointId: $id, k: $k) {\n      distance\n      datapoint {\n        id\n        key\n        label\n        prediction\n        hasImage\n        text\n        dataset {\n          name\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query Neighbors($project: String!, $space: String!, $id: ID!, $k: Int!) {\n    neighbors(project: $project, space: $space, datapointId: $id, k: $k) {\n      distance\n      datapoint {\n        id\n        key\n        label\n        prediction\n        hasImage\n        text\n        dataset {\n          name\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation AddTags($project: String!, $ids: [ID!]!, $tags: [String!]!) {\n    addTags(project: $project, datapointIds: $ids, tags: $tags) {\n      matched\n      changed\n    }\n  }\n"): (typeof documents)["\n  mutation AddTags($project: String!, $ids: [ID!]!, $tags: [String!]!) {\n    addTags(project: $project, datapointIds: $ids, tags: $tags) {\n      matched\n      changed\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RemoveTags($project: String!, $ids: [ID!]!, $tags: [String!]!) {\n    removeTags(project: $project, datapointIds: $ids, tags: $tags) {\n      matched\n      changed\n    }\n  }\n"): (typeof documents)["\n  mutation RemoveTags($project: String!, $ids: [ID!]!, $tags: [String!]!) {\n    removeTags(project: $project, datapointIds: $ids, tags: $tags) {\n      matched\n      changed\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Projects {\n    projects {\n      id\n      name\n      createdAt\n      datasets {\n        id\n        name\n        datapointCount\n      }\n      spaces {\n        id\n        name\n        vectorCount\n        projections {\n          id\n          state\n        }\n      }\n      tags {\n        name\n      }\n    }\n  }\n"): (typeof documents)["\n  query Projects {\n    projects {\n      id\n      name\n      createdAt\n      datasets {\n        id\n        name\n        datapointCount\n      }\n      spaces {\n        id\n        name\n        vectorCount\n        projections {\n          id\n          state\n        }\n      }\n      tags {\n        name\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment ComputedFields on Computed {\n    id\n    state\n    error\n    computedAt\n    job {\n      id\n      state\n      progress\n      message\n    }\n  }\n"): (typeof documents)["\n  fragment ComputedFields on Computed {\n    id\n    state\n    error\n    computedAt\n    job {\n      id\n      state\n      progress\n      message\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Project($name: String!) {\n    project(name: $name) {\n      id\n      name\n      createdAt\n      datasets {\n        id\n        name\n        datapointCount\n        createdAt\n      }\n      tags {\n        name\n        datapointCount\n      }\n      spaces {\n        id\n        name\n        dimension\n        model\n        layer\n        vectorCount\n        neighbourIndex {\n          metric\n          indexedCount\n          graphK\n          updatedAt\n        }\n        projections {\n          ...ComputedFields\n          algorithm\n          pointCount\n          placedCount\n          autoPlace\n          createdAt\n          datasets {\n            name\n          }\n        }\n        analyses {\n          ...ComputedFields\n          kind\n          rowCount\n          columns\n          stale\n          autoRefresh\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query Project($name: String!) {\n    project(name: $name) {\n      id\n      name\n      createdAt\n      datasets {\n        id\n        name\n        datapointCount\n        createdAt\n      }\n      tags {\n        name\n        datapointCount\n      }\n      spaces {\n        id\n        name\n        dimension\n        model\n        layer\n        vectorCount\n        neighbourIndex {\n          metric\n          indexedCount\n          graphK\n          updatedAt\n        }\n        projections {\n          ...ComputedFields\n          algorithm\n          pointCount\n          placedCount\n          autoPlace\n          createdAt\n          datasets {\n            name\n          }\n        }\n        analyses {\n          ...ComputedFields\n          kind\n          rowCount\n          columns\n          stale\n          autoRefresh\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Jobs($project: String!, $first: Int!) {\n    jobs(project: $project, first: $first) {\n      id\n      kind\n      state\n      progress\n      message\n      error\n      createdAt\n      startedAt\n      finishedAt\n      space {\n        name\n      }\n    }\n  }\n"): (typeof documents)["\n  query Jobs($project: String!, $first: Int!) {\n    jobs(project: $project, first: $first) {\n      id\n      kind\n      state\n      progress\n      message\n      error\n      createdAt\n      startedAt\n      finishedAt\n      space {\n        name\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateProjection($project: String!, $space: String!, $algorithm: String!) {\n    createProjection(project: $project, space: $space, algorithm: $algorithm) {\n      id\n      state\n      job {\n        id\n        state\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation CreateProjection($project: String!, $space: String!, $algorithm: String!) {\n    createProjection(project: $project, space: $space, algorithm: $algorithm) {\n      id\n      state\n      job {\n        id\n        state\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SetAnalysisAutoRefresh($id: ID!, $on: Boolean!) {\n    setAnalysisAutoRefresh(id: $id, on: $on) {\n      id\n      autoRefresh\n      stale\n    }\n  }\n"): (typeof documents)["\n  mutation SetAnalysisAutoRefresh($id: ID!, $on: Boolean!) {\n    setAnalysisAutoRefresh(id: $id, on: $on) {\n      id\n      autoRefresh\n      stale\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation BuildNeighbourIndex($project: String!, $space: String!) {\n    buildNeighbourIndex(project: $project, space: $space) {\n      id\n      state\n    }\n  }\n"): (typeof documents)["\n  mutation BuildNeighbourIndex($project: String!, $space: String!) {\n    buildNeighbourIndex(project: $project, space: $space) {\n      id\n      state\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CancelJob($id: ID!) {\n    cancelJob(id: $id) {\n      id\n      state\n      cancelRequested\n    }\n  }\n"): (typeof documents)["\n  mutation CancelJob($id: ID!) {\n    cancelJob(id: $id) {\n      id\n      state\n      cancelRequested\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CorrectLabels(\n    $project: String!\n    $corrections: [LabelDecisionInput!]!\n    $source: String\n    $analysis: ID\n  ) {\n    correctLabels(\n      project: $project\n      corrections: $corrections\n      source: $source\n      analysis: $analysis\n    ) {\n      id\n      datapointId\n      key\n      decision\n      labelBefore\n      labelAfter\n      source\n      principal\n      at\n    }\n  }\n"): (typeof documents)["\n  mutation CorrectLabels(\n    $project: String!\n    $corrections: [LabelDecisionInput!]!\n    $source: String\n    $analysis: ID\n  ) {\n    correctLabels(\n      project: $project\n      corrections: $corrections\n      source: $source\n      analysis: $analysis\n    ) {\n      id\n      datapointId\n      key\n      decision\n      labelBefore\n      labelAfter\n      source\n      principal\n      at\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UndoLabelCorrection($project: String!, $id: ID!) {\n    undoLabelCorrection(project: $project, id: $id) {\n      id\n      datapointId\n      decision\n      labelBefore\n      labelAfter\n      undoneAt\n      undoneBy\n    }\n  }\n"): (typeof documents)["\n  mutation UndoLabelCorrection($project: String!, $id: ID!) {\n    undoLabelCorrection(project: $project, id: $id) {\n      id\n      datapointId\n      decision\n      labelBefore\n      labelAfter\n      undoneAt\n      undoneBy\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Search($project: String!, $text: String!, $field: String, $projection: ID, $first: Int!) {\n    search(project: $project, text: $text, field: $field, projection: $projection, first: $first) {\n      count\n      truncated\n      datapointIds\n    }\n  }\n"): (typeof documents)["\n  query Search($project: String!, $text: String!, $field: String, $projection: ID, $first: Int!) {\n    search(project: $project, text: $text, field: $field, projection: $projection, first: $first) {\n      count\n      truncated\n      datapointIds\n    }\n  }\n"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;