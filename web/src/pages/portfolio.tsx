/**
 * The portfolio: every domain of every organisation the user sees, with its phase, policy, 30-day
 * volume and DMARC pass rate, findings and when reports last arrived; filtered by organisation and
 * phase, searched by name, each table exportable as CSV (the API's own `format=csv`).
 */
import { useEffect, useMemo, useState } from 'preact/hooks';
import type { DomainLine, Me, Page } from '../api.js';
import { ApiError, api } from '../api.js';

const PHASES = ['assess', 'deploy', 'enforce', 'maintain'] as const;

interface OrgDomains {
  readonly slug: string;
  readonly name: string;
  readonly domains: readonly DomainLine[];
}

export function percent(share: number | null): string {
  return share === null ? '–' : `${(share * 100).toFixed(1)}%`;
}

function policyText(line: DomainLine): string {
  const policy = line.overview?.policy;
  if (!policy || policy.p === null) return '–';
  return `p=${policy.p}${policy.pct !== null && policy.pct !== 100 ? ` pct=${policy.pct}` : ''}${policy.testing === 'y' ? ' t=y' : ''}`;
}

export function Portfolio() {
  const [orgs, setOrgs] = useState<OrgDomains[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [phase, setPhase] = useState('');
  const [org, setOrg] = useState('');
  const [search, setSearch] = useState('');
  useEffect(() => {
    (async () => {
      const me = await api<Me>('/me');
      const loaded: OrgDomains[] = [];
      for (const o of me.organizations) {
        const page = await api<Page<DomainLine>>(`/organizations/${encodeURIComponent(o.slug)}/domains?limit=1000`);
        loaded.push({ slug: o.slug, name: o.name, domains: page.items });
      }
      setOrgs(loaded);
    })().catch((caught: unknown) => setError(caught instanceof ApiError ? caught.problem.detail : String(caught)));
  }, []);
  const rows = useMemo(
    () =>
      (orgs ?? [])
        .filter((o) => org === '' || o.slug === org)
        .flatMap((o) => o.domains.map((line) => ({ org: o, line })))
        .filter(({ line }) => (phase === '' || line.overview?.phase === phase) && line.domain.includes(search.trim().toLowerCase())),
    [orgs, org, phase, search],
  );
  if (error) return <p class="error" role="alert">{error}</p>;
  if (orgs === null) return <p class="loading">Loading the domains…</p>;
  return (
    <section>
      <h1>Domains</h1>
      <div class="filters">
        <label>
          Organisation
          <select value={org} onChange={(e) => setOrg(e.currentTarget.value)}>
            <option value="">All</option>
            {orgs.map((o) => (
              <option value={o.slug} key={o.slug}>
                {o.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Phase
          <select value={phase} onChange={(e) => setPhase(e.currentTarget.value)}>
            <option value="">All</option>
            {PHASES.map((p) => (
              <option value={p} key={p}>
                {p}
              </option>
            ))}
          </select>
        </label>
        <label>
          Search
          <input type="search" value={search} onInput={(e) => setSearch(e.currentTarget.value)} placeholder="domain" />
        </label>
        {orgs.map((o) => (
          <a class="export" href={`/api/v1/organizations/${encodeURIComponent(o.slug)}/domains?format=csv&limit=1000`} key={o.slug} download>
            CSV ({o.slug})
          </a>
        ))}
      </div>
      {rows.length === 0 ? (
        <p>No domain matches. Add one with POST /api/v1/organizations/…/domains or `dmarcpilot org domain add`.</p>
      ) : (
        <table class="portfolio">
          <thead>
            <tr>
              <th scope="col">Domain</th>
              <th scope="col">Organisation</th>
              <th scope="col">Phase</th>
              <th scope="col">Policy</th>
              <th scope="col" class="num">Messages (30 days)</th>
              <th scope="col" class="num">DMARC pass</th>
              <th scope="col">Findings</th>
              <th scope="col">Last report</th>
            </tr>
          </thead>
          <tbody>
            {rows.map(({ org: o, line }) => (
              <tr key={`${o.slug} ${line.domain}`}>
                <td>
                  {line.overview ? <a href={`#/o/${encodeURIComponent(o.slug)}/d/${encodeURIComponent(line.domain)}`}>{line.domain}</a> : line.domain}
                  {!line.verified && !line.overview && <span class="badge"> waiting for proof</span>}
                </td>
                <td>{o.name}</td>
                <td>{line.overview?.phase ?? '–'}</td>
                <td>{policyText(line)}</td>
                <td class="num">{line.overview?.messages30d.toLocaleString() ?? '–'}</td>
                <td class="num">{percent(line.overview?.passRate30d ?? null)}</td>
                <td>{line.overview?.findings ? `${line.overview.findings.errors} errors, ${line.overview.findings.warnings} warnings` : 'not checked'}</td>
                <td>{line.overview?.lastReportDay ?? 'none in 30 days'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
