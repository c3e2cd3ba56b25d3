import { describe, expect, it } from 'vitest';
import { matchRoute, paths } from './router';

describe('routes', () => {
  it('matches the four screens', () => {
    expect(matchRoute('/')).toEqual({ name: 'projects' });
    expect(matchRoute('/p/demo')).toEqual({ name: 'project', project: 'demo' });
    expect(matchRoute('/p/my%20project/explore')).toEqual({
      name: 'explore',
      project: 'my project',
    });
    expect(matchRoute('/p/demo/compare')).toEqual({ name: 'compare', project: 'demo' });
    expect(matchRoute('/nope')).toEqual({ name: 'not-found', path: '/nope' });
  });

  it('builds links that match back', () => {
    expect(matchRoute(paths.project('a/b'))).toEqual({ name: 'project', project: 'a/b' });
    expect(paths.explore('x', 'projection=1')).toBe('/p/x/explore?projection=1');
    expect(matchRoute(paths.compare('a b'))).toEqual({ name: 'compare', project: 'a b' });
  });
});
