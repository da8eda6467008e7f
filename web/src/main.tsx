/**
 * The dashboard (docs/dashboard.md): a small preact app on the public HTTP API. Routes live in the
 * URL's fragment (`#/o/camden/d/camden.gov.uk`), so every page is a link and the service needs no
 * routing of its own. A 401 from any call shows sign-in; signing in returns to the page.
 */
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { whenSignedOut } from './api.js';
import { DomainPage } from './pages/domain.js';
import { Portfolio } from './pages/portfolio.js';
import { SignIn } from './pages/sign-in.js';
import 'uplot/dist/uPlot.min.css';
import './style.css';

type Route = { readonly page: 'portfolio' } | { readonly page: 'domain'; readonly org: string; readonly domain: string };

function routeOf(hash: string): Route {
  const match = /^#\/o\/([^/]+)\/d\/([^/]+)$/.exec(hash);
  if (match) return { page: 'domain', org: decodeURIComponent(match[1] as string), domain: decodeURIComponent(match[2] as string) };
  return { page: 'portfolio' };
}

function App() {
  const [route, setRoute] = useState<Route>(routeOf(location.hash));
  const [signedIn, setSignedIn] = useState<boolean | null>(null);
  useEffect(() => {
    const onHash = () => setRoute(routeOf(location.hash));
    addEventListener('hashchange', onHash);
    whenSignedOut(() => setSignedIn(false));
    fetch('/api/v1/me', { credentials: 'same-origin' }).then(
      (r) => setSignedIn(r.ok),
      () => setSignedIn(false),
    );
    return () => removeEventListener('hashchange', onHash);
  }, []);
  if (signedIn === null) return <p class="loading">Loading…</p>;
  if (!signedIn) return <SignIn onSignedIn={() => setSignedIn(true)} />;
  return (
    <>
      <header class="top">
        <a href="#/" class="brand">dmarcpilot</a>
        <button type="button" class="link" onClick={() => void fetch('/api/v1/session', { method: 'DELETE', credentials: 'same-origin' }).then(() => setSignedIn(false))}>
          Sign out
        </button>
      </header>
      <main>{route.page === 'domain' ? <DomainPage org={route.org} domain={route.domain} /> : <Portfolio />}</main>
    </>
  );
}

render(<App />, document.getElementById('app') as HTMLElement);
