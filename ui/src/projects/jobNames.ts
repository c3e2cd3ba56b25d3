// What a job does, in words: the server names its kinds by id (space.refresh); a person
// reads "Update the maps and the index after new data". Every kind the server has
// (src/chroma/services/jobs/records.py, JobKind) is listed; an unknown one is spelt out
// from its id ("space.reindex" -> "Space: reindex").
const NAMES: Record<string, string> = {
  'space.refresh': 'Update after new data',
  'space.compact': 'Tidy the stored vectors',
  'neighbours.build': 'Build the neighbour index',
  'neighbours.update': 'Update the neighbour index',
  'projection.compute': 'Compute a map',
  'projection.place': 'Place new points on a map',
  'analysis.compute': 'Run an analysis',
  'system.wait': 'Wait (diagnostic)',
};

export function jobName(kind: string): string {
  const known = NAMES[kind];
  if (known) return known;
  const [scope, ...rest] = kind.split('.');
  const words = (text: string) => text.replace(/[_-]+/g, ' ').trim();
  if (!scope || rest.length === 0) return words(kind) || kind;
  const head = words(scope);
  return `${head.charAt(0).toUpperCase()}${head.slice(1)}: ${words(rest.join(' '))}`;
}
