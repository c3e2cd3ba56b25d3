// The app shell: header with breadcrumbs and the theme toggle, the server banner, and the
// screen for the current route.
import { lazy, Suspense } from 'react';
import { type Client, Provider as UrqlProvider } from 'urql';
import { EmptyState, Spinner } from '../kit';
import { ProjectPage } from '../projects/ProjectPage';
import { ProjectsPage } from '../projects/ProjectsPage';
import { matchRoute, onLinkClick, paths, type Route, useLocation } from '../state/router';
import { ServerBanner } from './ServerBanner';
import { ThemeToggle } from './ThemeToggle';
import { UserMenu } from './UserMenu';
import './app.css';

// The Explorer carries the WebGL map and the Arrow decoder: load it only when needed.
const ExplorerPage = lazy(() =>
  import('../explorer/ExplorerPage').then((m) => ({ default: m.ExplorerPage })),
);
const ComparePage = lazy(() =>
  import('../compare/ComparePage').then((m) => ({ default: m.ComparePage })),
);

export function App({ client }: { client: Client }) {
  const { pathname } = useLocation();
  const route = matchRoute(pathname);
  return (
    <UrqlProvider value={client}>
      <div className={`app app--${route.name}`}>
        <Header route={route} />
        <ServerBanner />
        <main className="app-main">
          <Suspense
            fallback={
              <div className="app-center">
                <Spinner size="lg" label="Loading" />
              </div>
            }
          >
            <Screen route={route} />
          </Suspense>
        </main>
      </div>
    </UrqlProvider>
  );
}

function Screen({ route }: { route: Route }) {
  switch (route.name) {
    case 'projects':
      return <ProjectsPage />;
    case 'project':
      return <ProjectPage key={route.project} project={route.project} />;
    case 'explore':
      return <ExplorerPage key={route.project} project={route.project} />;
    case 'compare':
      return <ComparePage key={route.project} project={route.project} />;
    default:
      return (
        <EmptyState title="Nothing here" data-testid="not-found">
          <p>
            No page at <code>{route.path}</code>.{' '}
            <a href="/" onClick={(event) => onLinkClick(event, '/')}>
              All projects
            </a>
          </p>
        </EmptyState>
      );
  }
}

function Crumb({ to, children }: { to: string; children: React.ReactNode }) {
  return (
    <a href={to} onClick={(event) => onLinkClick(event, to)} className="app-crumb">
      {children}
    </a>
  );
}

function Header({ route }: { route: Route }) {
  const project =
    route.name === 'project' || route.name === 'explore' || route.name === 'compare'
      ? route.project
      : null;
  return (
    <header className="app-header">
      <a
        href="/"
        onClick={(event) => onLinkClick(event, '/')}
        className="app-brand"
        aria-label="Chroma: all projects"
      >
        <Logo />
        <span>Chroma</span>
      </a>
      <nav className="app-crumbs" aria-label="Breadcrumb">
        <Crumb to={paths.projects()}>Projects</Crumb>
        {project && (
          <>
            <span className="app-crumb-sep">/</span>
            <Crumb to={paths.project(project)}>{project}</Crumb>
          </>
        )}
        {route.name === 'explore' && (
          <>
            <span className="app-crumb-sep">/</span>
            <span className="app-crumb app-crumb--here">Map</span>
          </>
        )}
        {route.name === 'compare' && (
          <>
            <span className="app-crumb-sep">/</span>
            <span className="app-crumb app-crumb--here">Compare</span>
          </>
        )}
      </nav>
      <span className="app-grow" />
      <UserMenu />
      <ThemeToggle />
    </header>
  );
}

function Logo() {
  return (
    <svg width="18" height="18" viewBox="0 0 18 18" aria-hidden="true">
      <circle cx="5" cy="6" r="2.4" fill="#4e79e6" />
      <circle cx="12.5" cy="4.5" r="2" fill="#f28e2b" />
      <circle cx="11" cy="12" r="2.6" fill="#3fa66a" />
      <circle cx="4.5" cy="13" r="1.6" fill="#e15759" />
    </svg>
  );
}
