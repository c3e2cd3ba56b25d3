// The family of the map's space (one model logged at several training steps, spaces named
// `<family>@step=<n>`): its steps in order, each with its maps.
import { graphql } from '../gql';

export const FamilyStepsQuery = graphql(`
  query FamilySteps($projection: ID!) {
    projection(id: $projection) {
      id
      alignTo
      space {
        id
        step
        family {
          name
          steps {
            step
            space {
              id
              name
              projections {
                id
                state
              }
            }
          }
        }
      }
    }
  }
`);
